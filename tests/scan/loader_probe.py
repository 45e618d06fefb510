#!/usr/bin/python3
"""Run the real loaders over model files and record every global they import,
without running anything: the differential half of airlock scan's tests, and
how to check a checkpoint by hand.

    airlock run --profile model-eval --ro DIR:/m --ro loader_probe.py:/probe.py \\
        -- python3 /probe.py /m/FILE...

For each file and each loader (the C Unpickler on a file and on a BytesIO,
Python's pickle._Unpickler, numpy.load(allow_pickle=True), joblib.load,
torch.load(weights_only=False)) one JSON line on stdout:

    {"path": ..., "loader": ..., "globals": [[module, name], ...],
     "persistent_ids": n, "error": "..." or null}

find_class is replaced in every unpickler those loaders use (pickle.load and
pickle.Unpickler, which numpy, joblib's object arrays and torch.load call;
pickle._Unpickler, which joblib's NumpyUnpickler is; subclasses such as
torch's UnpicklerWrapper, through __init_subclass__). It records the name and
returns a stub class: calling it, instantiating it, BUILD, attribute and item
assignment all land on the stub, so REDUCE/NEWOBJ/BUILD of a malicious
pickle run nothing. The only real objects handed out are inert data holders
the loaders need to take their own path (numpy.dtype, joblib's array
wrappers), so joblib reads embedded array data as it really does. Names are
recorded as the pickle states them (before fix_imports and torch's module
mapping); compare_scan() below accepts either spelling.
Run it inside the sandbox anyway: the point is not to trust it.
"""
import _compat_pickle
import io
import json
import os
import pickle
import resource
import signal
import sys
import warnings

warnings.simplefilter("ignore")
_CPickleUnpickler = pickle.Unpickler
_PyUnpickler = pickle._Unpickler
_py_find_class = pickle._Unpickler.find_class

REAL = {("numpy", "dtype"), ("joblib.numpy_pickle", "NumpyArrayWrapper"),
        ("joblib.numpy_pickle_compat", "NDArrayWrapper"), ("numpy", "ndarray")}

current = {"globals": [], "pids": 0}
CHILD_MEMORY = 2 << 30
CHILD_SECONDS = 30


class _StubMeta(type):
    def __call__(cls, *a, **k):
        return _Stub.__new__(_Stub)

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _make_stub("attr", name)


class _Stub(metaclass=_StubMeta):
    """Whatever a recorded global becomes: inert."""

    def __new__(cls, *a, **k):
        return object.__new__(_Stub)

    def __init__(self, *a, **k):
        pass

    def __setstate__(self, state):
        pass

    def __setattr__(self, name, value):
        pass

    def __setitem__(self, key, value):
        pass

    def __call__(self, *a, **k):
        return _Stub.__new__(_Stub)

    def append(self, x):
        pass

    def extend(self, x):
        pass

    def add(self, x):
        pass

    def __reduce__(self):
        raise TypeError("stub")


def _make_stub(module, name):
    return _StubMeta("stub:%s.%s" % (module, name), (_Stub,), {})


depth = [0]


def _record(module, name):
    current["globals"].append([str(module), str(name)])


def _resolve(module, name):
    if (module, name) in REAL:
        return _py_find_class(_PyUnpickler.__new__(_PyUnpickler), module, name)
    return _make_stub(module, name)


def _wrap(find_class):
    """Record at the outermost find_class of a call chain."""
    def recording(self, module, name):
        outer = depth[0] == 0
        if outer:
            _record(module, name)
        depth[0] += 1
        try:
            if find_class is None:
                return _resolve(module, name)
            return find_class(self, module, name)
        finally:
            depth[0] -= 1
    return recording


def _persistent_load(self, pid):
    current["pids"] += 1
    return _Stub.__new__(_Stub)


class RecUnpickler(_CPickleUnpickler):
    find_class = _wrap(None)
    persistent_load = _persistent_load

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "find_class" in cls.__dict__:
            cls.find_class = _wrap(cls.__dict__["find_class"])


class RecPyUnpickler(_PyUnpickler):
    find_class = _wrap(None)
    persistent_load = _persistent_load


def _load(file, **kw):
    return RecUnpickler(file, **kw).load()


def _loads(data, **kw):
    return RecUnpickler(io.BytesIO(data), **kw).load()


# Every route the loaders take into an unpickler.
pickle.Unpickler = RecUnpickler
pickle.load = _load
pickle.loads = _loads
_PyUnpickler.find_class = _wrap(None)  # joblib's NumpyUnpickler inherits this


def run(loader, path):
    if loader == "pickle":
        with open(path, "rb") as f:
            RecUnpickler(f).load()
    elif loader == "pickle-bytesio":
        with open(path, "rb") as f:
            RecUnpickler(io.BytesIO(f.read())).load()
    elif loader == "pickle-python":
        with open(path, "rb") as f:
            RecPyUnpickler(f).load()
    elif loader == "numpy":
        import numpy as np
        r = np.load(path, allow_pickle=True)
        if hasattr(r, "files"):  # NpzFile: members load on access
            errors = []
            for k in r.files:
                try:
                    r[k]
                except Exception as e:
                    errors.append(repr(e)[:200])
            if errors:
                raise RuntimeError("; ".join(errors))
    elif loader == "joblib":
        import joblib
        joblib.load(path)
    elif loader == "torch":
        import torch
        torch.load(path, map_location="cpu", weights_only=False)


LOADERS = ["pickle", "pickle-bytesio", "pickle-python", "numpy", "joblib", "torch"]


def main(argv):
    loaders = LOADERS
    if argv and argv[0].startswith("--loaders="):
        loaders = argv[0].split("=", 1)[1].split(",")
        argv = argv[1:]
    for loader in loaders:
        try:
            if loader == "torch":
                import torch  # noqa: F401
            elif loader in ("numpy", "joblib"):
                __import__(loader)
        except Exception:
            continue  # not installed: nothing to compare
        for path in argv:
            print(json.dumps(probe_one(loader, path)), flush=True)
    return 0


def probe_one(loader, path):
    """One load in a child of its own, bounded in memory and time: a bomb
    ends that child, not the batch. Globals recorded before it are kept."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        resource.setrlimit(resource.RLIMIT_DATA, (CHILD_MEMORY, CHILD_MEMORY))
        signal.alarm(CHILD_SECONDS)
        current["globals"], current["pids"] = [], 0

        def report(err):
            os.write(w, json.dumps({"path": path, "loader": loader, "globals": current["globals"],
                                    "persistent_ids": current["pids"], "error": err}).encode())
        signal.signal(signal.SIGALRM, lambda *a: (report("timeout"), os._exit(0)))
        err = None
        try:
            run(loader, path)
        except BaseException as e:  # noqa: B902 - a stub may raise anything
            err = "%s: %s" % (type(e).__name__, str(e)[:200])
        signal.alarm(0)
        report(err)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if data:
        return json.loads(data)
    return {"path": path, "loader": loader, "globals": [], "persistent_ids": 0,
            "error": "loader died (status %d)" % status, "died": True}


def mapped(module, name):
    """The spellings one import may have in airlock scan's output. The scan
    keeps names as C strings, cut at a NUL (Python's import of such a name
    raises, so nothing is lost). What is not valid UTF-8 (a lone surrogate,
    which BINUNICODE's surrogatepass lets through) the scan's JSON spells as
    Python's backslashreplace does."""
    module, name = module.split("\0", 1)[0], name.split("\0", 1)[0]
    out = {(module, name)}
    if (module, name) in _compat_pickle.NAME_MAPPING:
        out.add(_compat_pickle.NAME_MAPPING[(module, name)])
    elif module in _compat_pickle.IMPORT_MAPPING:
        out.add((_compat_pickle.IMPORT_MAPPING[module], name))
    return {(json_spelling(m), json_spelling(n)) for m, n in out}


def json_spelling(s):
    """A name as airlock scan --json writes it."""
    return s.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")


def compare_scan(probe_lines, scan_json, strip=""):
    """Every global a loader imported must be among the scan's globals of that
    file. Returns a list of disagreements (path, loader, module, name)."""
    scanned = {}
    for f in scan_json["files"]:
        scanned[f["path"]] = {(g["module"], g["name"]) for g in f.get("globals", [])}
    bad = []
    for rec in probe_lines:
        path = rec["path"][len(strip):] if strip and rec["path"].startswith(strip) else rec["path"]
        have = scanned.get(path)
        for module, name in rec["globals"]:
            if have is None or not (mapped(module, name) & have):
                bad.append((path, rec["loader"], module, name))
    return sorted(set(bad))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
