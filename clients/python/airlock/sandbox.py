"""Sandboxes of airlock serve: made, used and destroyed (names follow E2B's SDK where they fit)."""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from ._transport import Transport, quote_path
from .errors import AirlockError, Invalid, NotFound, from_problem

OutputCallback = Callable[[str], Any]


@dataclass
class CommandResult:
    """A run's result (the service's execute result)."""

    status: str
    exit_code: Optional[int]
    stdout: str
    stderr: str
    signal: Optional[int] = None
    error: Optional[str] = None
    violations: List[Dict[str, Any]] = field(default_factory=list)
    network: List[Dict[str, Any]] = field(default_factory=list)
    truncated: Dict[str, bool] = field(default_factory=dict)
    artifacts: List[Dict[str, Any]] = field(default_factory=list)
    id: Optional[str] = None
    sandbox: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "exited" and self.exit_code == 0

    def artifact(self, path: str) -> bytes:
        """An artifact's bytes, by its path."""
        for a in self.artifacts:
            if a.get("path") == path:
                return base64.b64decode(a.get("content_base64", ""))
        raise KeyError(path)

    @classmethod
    def from_json(cls, j: Dict[str, Any], stdout: Optional[str] = None,
                  stderr: Optional[str] = None) -> "CommandResult":
        def text(name: str, given: Optional[str]) -> str:
            if given is not None:
                return given
            v = j.get(name) or ""
            if j.get(f"{name}_encoding") == "base64":
                return base64.b64decode(v).decode("utf-8", "replace")
            return v

        return cls(status=j.get("status", "unknown"), exit_code=j.get("exit_code"),
                   stdout=text("stdout", stdout), stderr=text("stderr", stderr), signal=j.get("signal"),
                   error=j.get("error"), violations=j.get("violations") or [], network=j.get("network") or [],
                   truncated=j.get("truncated") or {}, artifacts=j.get("artifacts") or [], id=j.get("id"),
                   sandbox=j.get("sandbox"), raw=j)


@dataclass
class ExecutionError:
    name: str
    value: str
    traceback: str


@dataclass
class Execution:
    """A code run (contexts' result: ``{status, stdout, stderr, result, error, execution_count}``)."""

    status: str
    stdout: str
    stderr: str
    result: Optional[Dict[str, Any]] = None  # {"text/plain": ..., "image/png": base64}
    error: Optional[ExecutionError] = None
    execution_count: Optional[int] = None
    stateful: bool = True  # False: the service has no contexts; the code ran as a command

    @property
    def text(self) -> Optional[str]:
        return (self.result or {}).get("text/plain")


@dataclass
class EntryInfo:
    name: str
    type: str
    size: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


def _stream(t: Transport, path: str, body: Dict[str, Any], on_stdout: Optional[OutputCallback],
            on_stderr: Optional[OutputCallback]) -> CommandResult:
    out: List[str] = []
    err: List[str] = []
    final: Dict[str, Any] = {}
    for event, data in t.events(path, body):
        if isinstance(data, dict) and "base64" in data and event in ("stdout", "stderr"):
            data = base64.b64decode(data["base64"]).decode("utf-8", "replace")
        if event == "stdout":
            out.append(data)
            if on_stdout:
                on_stdout(data)
        elif event == "stderr":
            err.append(data)
            if on_stderr:
                on_stderr(data)
        elif event == "exit":
            final = data
        elif event == "error":  # after the stream began: {code, status, detail}
            raise from_problem(int(data.get("status", 500)) if isinstance(data, dict) else 500, data)
    if not final:
        raise AirlockError("the stream ended without an exit event")
    streamed = bool(out or err) or not (final.get("stdout") or final.get("stderr"))
    return CommandResult.from_json(final, "".join(out) if streamed else None, "".join(err) if streamed else None)


def _run_body(cmd: Union[str, Sequence[str], None], code: Optional[str], language: Optional[str],
              stdin: Optional[str], env: Optional[Dict[str, str]], files: Optional[Dict[str, Union[str, bytes]]],
              artifacts: Optional[Sequence[str]]) -> Dict[str, Any]:
    body: Dict[str, Any] = {}
    if code is not None:
        body.update(language=language or "python", code=code)
    elif isinstance(cmd, str):
        body["argv"] = ["sh", "-c", cmd]
    elif cmd:
        body["argv"] = list(cmd)
    else:
        raise ValueError("give a command or code")
    if stdin is not None:
        body["stdin"] = stdin
    if env:
        body["env"] = dict(env)
    if files:
        body["files"] = [{"path": p, "content": base64.b64encode(c).decode(), "encoding": "base64"}
                         if isinstance(c, bytes) else {"path": p, "content": c} for p, c in files.items()]
    if artifacts:
        body["artifacts"] = list(artifacts)
    return body


class Commands:
    """``sbx.commands``: commands in the sandbox."""

    def __init__(self, sbx: "Sandbox") -> None:
        self._sbx = sbx

    def run(self, cmd: Union[str, Sequence[str]], *, stdin: Optional[str] = None,
            env: Optional[Dict[str, str]] = None, files: Optional[Dict[str, Union[str, bytes]]] = None,
            artifacts: Optional[Sequence[str]] = None, on_stdout: Optional[OutputCallback] = None,
            on_stderr: Optional[OutputCallback] = None) -> CommandResult:
        """Run ``cmd`` (a shell line, or an argv list). With ``on_stdout``/``on_stderr`` the output
        arrives as it comes (Server-Sent Events); the result holds all of it either way."""
        body = _run_body(cmd, None, None, stdin, env, files, artifacts)
        return self._sbx._command(body, on_stdout, on_stderr)


class Files:
    """``sbx.files``: the sandbox's files (paths relative to its working directory)."""

    def __init__(self, sbx: "Sandbox") -> None:
        self._sbx = sbx

    def _path(self, path: str) -> str:
        return f"/v1/sandboxes/{self._sbx.id}/files/{quote_path(path)}"

    def write(self, path: str, data: Union[str, bytes]) -> Dict[str, Any]:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        return self._sbx._t.request("PUT", self._path(path), raw=raw,
                                    content_type="application/octet-stream")[2]

    def read(self, path: str, format: str = "text") -> Union[str, bytes]:
        """The file's content: ``format="text"`` (UTF-8) or ``"bytes"``."""
        status, ctype, data = self._sbx._t.request("GET", self._path(path))
        if not isinstance(data, (bytes, bytearray)) or not ctype.startswith("application/octet-stream"):
            raise Invalid(f"{path} is a directory", field="path")
        return bytes(data) if format == "bytes" else bytes(data).decode()

    def list(self, path: str = ".") -> List[EntryInfo]:
        p = self._path("" if path in (".", "") else path.rstrip("/") + "/")
        data = self._sbx._t.json("GET", p)
        return [EntryInfo(name=e.get("name", ""), type=e.get("type", ""), size=e.get("size", 0), raw=e)
                for e in data.get("entries", [])]

    def remove(self, path: str) -> None:
        self._sbx._t.request("DELETE", self._path(path))

    def exists(self, path: str) -> bool:
        try:
            self._sbx._t.request("GET", self._path(path))
            return True
        except NotFound:
            return False


class Sandbox:
    """A sandbox session of airlock serve. ``with Sandbox.create() as sbx:`` destroys it at the end,
    whatever happened."""

    def __init__(self, info: Dict[str, Any], transport: Transport) -> None:
        self.id: str = info["id"]
        self.info_at_creation = info
        self._t = transport
        self.commands = Commands(self)
        self.files = Files(self)
        self._contexts: Dict[str, str] = {}
        self._no_contexts = False
        self._count = 0
        self._killed = False

    @classmethod
    def create(cls, profile: str = "python", *, socket: Optional[str] = None, url: Optional[str] = None,
               token: Optional[str] = None, ttl: Optional[int] = None, idle_timeout: Optional[int] = None,
               limits: Optional[Dict[str, Any]] = None, allow: Optional[Sequence[str]] = None,
               env: Optional[Dict[str, str]] = None, secrets: Optional[Sequence[str]] = None,
               timeout: Optional[float] = 300.0) -> "Sandbox":
        """A new session: ``allow`` is its egress allow-list (no network without one)."""
        t = Transport(socket=socket, url=url, token=token, timeout=timeout)
        body: Dict[str, Any] = {"profile": profile}
        for k, v in (("ttl", ttl), ("idle_timeout", idle_timeout), ("limits", limits), ("env", env),
                     ("secrets", list(secrets) if secrets else None)):
            if v is not None:
                body[k] = v
        if allow is not None:
            body["network"] = {"allow": list(allow)}
        return cls(t.json("POST", "/v1/sandboxes", body), t)

    @classmethod
    def connect(cls, sandbox_id: str, *, socket: Optional[str] = None, url: Optional[str] = None,
                token: Optional[str] = None) -> "Sandbox":
        """A session that exists (made elsewhere)."""
        t = Transport(socket=socket, url=url, token=token)
        return cls(t.json("GET", f"/v1/sandboxes/{sandbox_id}"), t)

    @staticmethod
    def list(*, socket: Optional[str] = None, url: Optional[str] = None,
             token: Optional[str] = None) -> List[Dict[str, Any]]:
        """The tenant's sessions."""
        return Transport(socket=socket, url=url, token=token).json("GET", "/v1/sandboxes")["sandboxes"]

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.kill()

    def __repr__(self) -> str:
        return f"<Sandbox {self.id}>"

    def get_info(self) -> Dict[str, Any]:
        return self._t.json("GET", f"/v1/sandboxes/{self.id}")

    def kill(self) -> None:
        """Destroy the sandbox (its processes and files). Again, or when already gone: nothing."""
        if self._killed:
            return
        try:
            self._t.request("DELETE", f"/v1/sandboxes/{self.id}")
        except NotFound:
            pass
        self._killed = True

    def snapshot(self) -> str:
        """Save the workspace; the snapshot's id."""
        return self._t.json("POST", f"/v1/sandboxes/{self.id}/snapshots", {})["id"]

    def restore(self, snapshot_id: str) -> None:
        self._t.json("POST", f"/v1/sandboxes/{self.id}/restore", {"snapshot": snapshot_id})

    def reset(self) -> None:
        """Back to the state at creation."""
        self._t.json("POST", f"/v1/sandboxes/{self.id}/reset", {})

    def _command(self, body: Dict[str, Any], on_stdout: Optional[OutputCallback],
                 on_stderr: Optional[OutputCallback]) -> CommandResult:
        path = f"/v1/sandboxes/{self.id}/commands"
        if on_stdout or on_stderr:
            return _stream(self._t, path, body, on_stdout, on_stderr)
        return CommandResult.from_json(self._t.json("POST", path, body))

    def run_code(self, code: str, language: str = "python", *, on_stdout: Optional[OutputCallback] = None,
                 on_stderr: Optional[OutputCallback] = None) -> Execution:
        """Run code in a stateful context (variables persist between calls, as in a notebook).
        While the service has no contexts, the code runs as a command (``stateful`` False)."""
        if not self._no_contexts:
            try:
                return self._run_in_context(code, language)
            except (NotFound, Invalid) as e:
                if not _contexts_missing(e):
                    raise
                self._no_contexts = True
        r = self._command(_run_body(None, code, language, None, None, None, None), on_stdout, on_stderr)
        self._count += 1
        err = None
        if not r.ok:
            last = (r.stderr.strip().splitlines() or [r.error or r.status])[-1]
            name, _, value = last.partition(": ")
            err = ExecutionError(name=name if value else "Error", value=value or last, traceback=r.stderr)
        return Execution(status="ok" if r.ok else "error", stdout=r.stdout, stderr=r.stderr, result=None,
                         error=err, execution_count=self._count, stateful=False)

    def _run_in_context(self, code: str, language: str) -> Execution:
        cid = self._contexts.get(language)
        if cid is None:
            cid = self._t.json("POST", f"/v1/sandboxes/{self.id}/contexts", {"language": language})["id"]
            self._contexts[language] = cid
        j = self._t.json("POST", f"/v1/sandboxes/{self.id}/contexts/{cid}/run", {"code": code})
        e = j.get("error")
        return Execution(status=j.get("status", "unknown"), stdout=j.get("stdout", ""), stderr=j.get("stderr", ""),
                         result=j.get("result"),
                         error=ExecutionError(e.get("name", ""), e.get("value", ""), e.get("traceback", ""))
                         if isinstance(e, dict) else None,
                         execution_count=j.get("execution_count"))


def _contexts_missing(e: Exception) -> bool:
    """The service has no contexts route (yet): 404 "no such route", or 400/405 naming none."""
    p = getattr(e, "problem", {}) or {}
    detail = str(p.get("detail", ""))
    return (getattr(e, "status", None) == 404 and detail.startswith("no such route")) or \
        (getattr(e, "status", None) == 400 and "contexts" in detail and "not" in detail)


def execute(code: Optional[str] = None, *, language: str = "python", argv: Optional[Sequence[str]] = None,
            profile: Optional[str] = None, stdin: Optional[str] = None, env: Optional[Dict[str, str]] = None,
            files: Optional[Dict[str, Union[str, bytes]]] = None, artifacts: Optional[Sequence[str]] = None,
            limits: Optional[Dict[str, Any]] = None, allow: Optional[Sequence[str]] = None,
            secrets: Optional[Sequence[str]] = None, on_stdout: Optional[OutputCallback] = None,
            on_stderr: Optional[OutputCallback] = None, socket: Optional[str] = None, url: Optional[str] = None,
            token: Optional[str] = None, timeout: Optional[float] = 300.0) -> CommandResult:
    """One run in a fresh sandbox, destroyed after it (``POST /v1/execute``)."""
    t = Transport(socket=socket, url=url, token=token, timeout=timeout)
    body = _run_body(argv, code if argv is None else None, language, stdin, env, files, artifacts)
    for k, v in (("profile", profile), ("limits", limits), ("secrets", list(secrets) if secrets else None)):
        if v is not None:
            body[k] = v
    if allow is not None:
        body["network"] = {"allow": list(allow)}
    if on_stdout or on_stderr:
        return _stream(t, "/v1/execute", body, on_stdout, on_stderr)
    return CommandResult.from_json(t.json("POST", "/v1/execute", body))
