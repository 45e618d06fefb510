"""A client of airlock serve for the tests: Python's http.client over the
service's real unix socket or TCP port. Imported by tests/functional/serve*.sh."""
import http.client
import json
import os
import socket
import ssl
import sys
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Client:
    """call() returns (status, headers, body): body is parsed JSON when the
    response is JSON, else bytes."""

    def __init__(self, socket_path=None, port=None, token=None, timeout=60, cafile=None):
        self.socket_path, self.port, self.token, self.timeout = socket_path, port, token, timeout
        self.cafile = cafile  # TLS, verified against this certificate

    def conn(self):
        if self.socket_path:
            return UnixConnection(self.socket_path, self.timeout)
        if self.cafile:
            ctx = ssl.create_default_context(cafile=self.cafile)
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=self.timeout, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def call(self, method, path, body=None, headers=None, raw=False):
        h = dict(headers or {})
        if self.token:
            h.setdefault("Authorization", "Bearer " + self.token)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            c.close()
        ctype = hdrs.get("content-type", "")
        if not raw and "json" in ctype:
            data = json.loads(data)
        return r.status, hdrs, data

    def ok(self, method, path, body=None, want=200, **kw):
        st, h, d = self.call(method, path, body, **kw)
        if st != want:
            sys.exit("%s %s: wanted %d, got %d: %r" % (method, path, want, st, d))
        return d

    def problem(self, method, path, body, status, code, field=None, **kw):
        """An error: its status, problem+json with its code (and field)."""
        st, h, d = self.call(method, path, body, **kw)
        if st != status or h.get("content-type") != "application/problem+json":
            sys.exit("%s %s: wanted %d problem+json, got %d %s: %r" % (method, path, status, st, h.get("content-type"), d))
        if d["code"] != code or d["status"] != status or not d.get("detail") or not d.get("type"):
            sys.exit("%s %s: wanted code %s: %r" % (method, path, code, d))
        if field is not None and (d.get("field") != field or field not in d["detail"]):
            sys.exit("%s %s: wanted the field %s named: %r" % (method, path, field, d))
        if status in (429, 503) and not h.get("retry-after", "").isdigit():
            sys.exit("%s %s: %d without Retry-After: %r" % (method, path, status, h))
        return d, h

    def events(self, path, body):
        """POST with Accept: text/event-stream: the (event, data) pairs."""
        h = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        c = self.conn()
        c.request("POST", path, body=json.dumps(body), headers=h)
        r = c.getresponse()
        if r.status != 200 or r.getheader("Content-Type") != "text/event-stream":
            sys.exit("events: %d %s" % (r.status, r.read()))
        out, name = [], None
        for line in r:
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.append((name, json.loads(line[6:])))
        c.close()
        return out


def wait_until(fn, what, seconds=60):
    """Poll fn until it is true (a generous bound, never a timing check)."""
    end = time.time() + seconds
    while time.time() < end:
        if fn():
            return
        time.sleep(0.05)
    sys.exit("never happened: " + what)


def from_env():
    return Client(socket_path=os.environ.get("SOCK"), port=int(os.environ.get("PORT") or 0) or None,
                  token=os.environ.get("TOKEN"))
