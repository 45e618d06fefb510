"""The service's HTTP API over a unix socket or TCP, with Python's http.client."""
from __future__ import annotations

import http.client
import json
import os
import socket
import urllib.parse
from typing import Any, Iterator, Optional, Tuple

from .errors import ConnectionFailed, from_problem

DEFAULT_SOCKET = "/run/airlock/airlock.sock"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: Optional[float]) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if self.timeout is not None:
            s.settimeout(self.timeout)
        try:
            s.connect(self._path)
        except OSError:
            s.close()
            raise
        self.sock = s


class Transport:
    """Where the service is: ``socket`` (a unix socket's path) or ``url`` (``http://HOST:PORT``),
    with a bearer ``token``. Defaults: ``AIRLOCK_SOCKET``, ``AIRLOCK_URL``, ``AIRLOCK_TOKEN``,
    then the default socket."""

    def __init__(self, socket: Optional[str] = None, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: Optional[float] = 300.0) -> None:
        if socket and url:
            raise ValueError("give socket or url, not both")
        if not socket and not url:
            socket = os.environ.get("AIRLOCK_SOCKET") or None
            url = None if socket else os.environ.get("AIRLOCK_URL") or None
            socket = socket or (None if url else DEFAULT_SOCKET)
        self.socket = socket
        self.url = url
        self.token = token if token is not None else os.environ.get("AIRLOCK_TOKEN") or None
        self.timeout = timeout
        if url:
            u = urllib.parse.urlsplit(url)
            if u.scheme not in ("http", "https") or not u.hostname:
                raise ValueError(f"url: http://HOST:PORT or https://HOST:PORT, not {url!r}")
            self._scheme, self._host, self._port = u.scheme, u.hostname, u.port
            self._prefix = u.path.rstrip("/")

    def _connection(self) -> http.client.HTTPConnection:
        if self.socket:
            return _UnixConnection(self.socket, self.timeout)
        if self._scheme == "https":
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _open(self, method: str, path: str, body: Optional[bytes], content_type: Optional[str],
              accept: str) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        headers = {"Accept": accept, "User-Agent": "airlock-python"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        conn = self._connection()
        try:
            try:
                conn.request(method, (self._prefix if self.url else "") + path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                # The service answered before taking the whole body (413): that answer is read.
                if conn.sock is None:
                    raise
            return conn, conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            where = self.socket or self.url
            raise ConnectionFailed(f"{where}: {e} (is airlock serve running?)") from e

    @staticmethod
    def _raise_for(resp: http.client.HTTPResponse, data: bytes) -> None:
        if resp.status < 400:
            return
        try:
            problem: Any = json.loads(data)
        except ValueError:
            problem = None
        raise from_problem(resp.status, problem, resp.getheader("Retry-After"))

    def request(self, method: str, path: str, body: Any = None, *, raw: Optional[bytes] = None,
                content_type: Optional[str] = None) -> Tuple[int, str, Any]:
        """(status, content type, body): JSON parsed, else bytes. Raises the API's errors."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is None and method in ("POST", "PUT"):
            data = b""
        conn, resp = self._open(method, path, data, content_type if raw is not None else None,
                                "application/json")
        try:
            payload = resp.read()
        finally:
            conn.close()
        self._raise_for(resp, payload)
        ctype = resp.getheader("Content-Type", "")
        if ctype.startswith("application/json") and payload:
            return resp.status, ctype, json.loads(payload)
        return resp.status, ctype, payload

    def json(self, method: str, path: str, body: Any = None) -> Any:
        return self.request(method, path, body)[2]

    def events(self, path: str, body: Any) -> Iterator[Tuple[str, Any]]:
        """POST with Accept: text/event-stream: (event, data) pairs, data parsed as JSON."""
        conn, resp = self._open("POST", path, json.dumps(body).encode(), "application/json",
                                "text/event-stream")
        try:
            if resp.status >= 400:
                self._raise_for(resp, resp.read())
            if not resp.getheader("Content-Type", "").startswith("text/event-stream"):
                data = resp.read()
                yield "exit", json.loads(data)
                return
            event, data = "message", []
            while True:
                line = resp.readline()
                if not line:
                    break
                line = line.rstrip(b"\r\n")
                if not line:
                    if data:
                        yield event, json.loads(b"\n".join(data))
                    event, data = "message", []
                elif line.startswith(b"event:"):
                    event = line[6:].strip().decode()
                elif line.startswith(b"data:"):
                    data.append(line[5:].lstrip(b" "))
        except (OSError, http.client.HTTPException) as e:
            raise ConnectionFailed(f"{self.socket or self.url}: the stream was cut: {e}") from e
        finally:
            conn.close()


def quote_path(path: str) -> str:
    """A sandbox path for a URL: relative to the working directory, or absolute inside the workspace."""
    return urllib.parse.quote(path, safe="/")
