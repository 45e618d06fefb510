"""A client of airlock serve (standard library only): sandboxes over its unix socket or TCP.

    import airlock
    with airlock.Sandbox.create(profile="python") as sbx:
        sbx.files.write("in.txt", "hello")
        print(sbx.commands.run("wc -c in.txt").stdout)
    print(airlock.execute("print(6 * 7)").stdout)

Where the service is: ``socket=`` or ``url=`` and ``token=``; by default ``AIRLOCK_SOCKET``,
``AIRLOCK_URL``, ``AIRLOCK_TOKEN``, then /run/airlock/airlock.sock.
"""
from .errors import (AirlockError, AuditUnavailable, Busy, Conflict, ConnectionFailed, Internal, Invalid,
                     LabelPolicy, MethodNotAllowed, NotFound, PolicyRefused, Quarantined, QuotaExceeded,
                     TooLarge, Unauthorized)
from .sandbox import CommandResult, EntryInfo, Execution, ExecutionError, Sandbox, execute

__version__ = "0.12.0"
__all__ = ["Sandbox", "execute", "CommandResult", "Execution", "ExecutionError", "EntryInfo", "AirlockError",
           "ConnectionFailed", "Unauthorized", "NotFound", "Invalid", "PolicyRefused", "TooLarge",
           "QuotaExceeded", "Busy", "Quarantined", "LabelPolicy", "Conflict", "MethodNotAllowed",
           "AuditUnavailable", "Internal"]
