"""Errors of the airlock service, one class per API error code.

Every refusal of the service is an ``application/problem+json`` body with a
``code``; :func:`from_problem` turns it into the matching exception.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Type


class AirlockError(Exception):
    """Any error of the service, or of reaching it."""

    code = "error"

    def __init__(self, message: str, *, status: Optional[int] = None, field: Optional[str] = None,
                 retry_after: Optional[int] = None, problem: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.retry_after = retry_after
        self.problem = problem or {}


class ConnectionFailed(AirlockError):
    """The service could not be reached (no socket, refused, cut)."""

    code = "connection"


class Unauthorized(AirlockError):
    """401: no token, or a token that is not a tenant's."""

    code = "unauthorized"


class NotFound(AirlockError):
    """404: no such sandbox, file or route (another tenant's sandbox is not found too)."""

    code = "not_found"


class Invalid(AirlockError):
    """400: the request is wrong; ``field`` names what."""

    code = "invalid"


class PolicyRefused(Invalid):
    """400 on a ceiling or a list of the tenant's (profiles, egress), or 403 by a label rule:
    a decision of policy, not worth retrying."""

    code = "policy"


class TooLarge(AirlockError):
    """413: the body or a field is larger than the service takes."""

    code = "too_large"


class QuotaExceeded(AirlockError):
    """429: the tenant's quota; ``retry_after`` seconds."""

    code = "quota_exceeded"


class Busy(AirlockError):
    """503: every sandbox is taken, the queue is full, or the service is stopping."""

    code = "busy"


class Quarantined(AirlockError):
    """403: the tenant is quarantined for its violations."""

    code = "quarantined"


class LabelPolicy(PolicyRefused):
    """403: a data label rule forbids this (the config's label rules)."""

    code = "label_policy"


class Conflict(AirlockError):
    """409: the sandbox is being created or is ending."""

    code = "conflict"


class MethodNotAllowed(AirlockError):
    """405."""

    code = "method_not_allowed"


class AuditUnavailable(AirlockError):
    """503: the audit log cannot be written; no work until it can."""

    code = "audit_unavailable"


class Internal(AirlockError):
    """500."""

    code = "internal"


_BY_CODE: Dict[str, Type[AirlockError]] = {
    c.code: c for c in (Unauthorized, NotFound, Invalid, TooLarge, QuotaExceeded, Busy, Quarantined,
                        LabelPolicy, Conflict, MethodNotAllowed, AuditUnavailable, Internal)
}


def from_problem(status: int, problem: Any, retry_after: Optional[str] = None) -> AirlockError:
    """The exception for a refusal of the service (a problem+json body, or anything else)."""
    p = problem if isinstance(problem, dict) else {}
    code = p.get("code") if isinstance(p.get("code"), str) else ""
    detail = p.get("detail") if isinstance(p.get("detail"), str) else f"HTTP {status}"
    cls = _BY_CODE.get(code)
    if cls is None:
        cls = {401: Unauthorized, 404: NotFound, 400: Invalid, 413: TooLarge, 429: QuotaExceeded,
               503: Busy, 409: Conflict, 405: MethodNotAllowed}.get(status, AirlockError)
    if cls is Invalid and ("this tenant may use" in detail or "ceiling" in detail):
        cls = PolicyRefused
    try:
        retry = int(retry_after) if retry_after else None
    except ValueError:
        retry = None
    return cls(f"{code or status}: {detail}", status=status, field=p.get("field"), retry_after=retry,
               problem=p)
