#!/usr/bin/python3
"""Generate the scanner's test corpus into OUTDIR, with OUTDIR/MANIFEST.

Every file is made by the real producers where they exist here (Python's own
pickle, Debian's NumPy, joblib and PyTorch when installed), by hand where a
bypass needs opcodes no pickler writes. MANIFEST lines: EXPECTED<TAB>PATH with
EXPECTED one of safe, unknown, dangerous, error, skipped (the verdict airlock
scan must give; exit 0, 1, 1, 2, 0). Run with Debian's /usr/bin/python3.
"""
import collections
import io
import os
import pickle
import struct
import sys
import tarfile
import zipfile

import numpy as np

try:
    import torch
except Exception:  # not installed: torch files are built by hand below
    torch = None
try:
    import joblib
except Exception:
    joblib = None

OUT = sys.argv[1]
manifest = []


def put(expect, name, data, where=None):
    if where is None:
        where = {"error": "broken", "skipped": "broken"}.get(expect, expect)
    path = os.path.join(OUT, where, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    manifest.append((expect, os.path.relpath(path, OUT)))
    return path


def record(expect, path):
    manifest.append((expect, os.path.relpath(path, OUT)))


class Cmd:
    """An object whose pickle calls os.system: the classic payload."""
    def __init__(self, fn=os.system, arg="echo pwned"):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


BENIGN = {
    "weights": [1.5, 2.5, -3.0],
    "names": ("a", "b"),
    "nested": {"x": [1, 2, {3, 4}], "y": frozenset({5})},
    "od": collections.OrderedDict(k=1),
    "blob": b"\x00\x01\x02",
    "big": 1 << 80,
    "none": None,
    "flag": True,
    "array": np.arange(6, dtype=np.float32).reshape(2, 3),
    "scalar": np.float64(3.5),
}

# --- benign pickles, every protocol
for proto in range(0, 6):
    put("safe", f"pickle/containers_p{proto}.pkl", pickle.dumps(BENIGN, protocol=proto))
    put("safe", f"pickle/numpy_p{proto}.pkl", pickle.dumps(np.linspace(0, 1, 7), protocol=proto))

# --- malicious pickles, every protocol
payloads = {
    "os_system": (Cmd(), "dangerous"),
    "subprocess": (Cmd(__import__("subprocess").check_output, ["id"]), "dangerous"),
    "eval": (Cmd(eval, "1+1"), "dangerous"),
    "exec": (Cmd(exec, "x=1"), "dangerous"),
    "getattr": (Cmd(getattr, "x"), "dangerous"),
    "importlib": (Cmd(__import__("importlib").import_module, "os"), "dangerous"),
    "runpy": (Cmd(__import__("runpy").run_path, "/x"), "dangerous"),
    "socket": (Cmd(__import__("socket").create_connection, ("h", 1)), "dangerous"),
    "attrgetter": (Cmd(__import__("operator").attrgetter, "system"), "dangerous"),
    # an unknown gadget: not on any deny-list, not on the allow-list
    "unknown_print": (Cmd(print, "hello"), "unknown"),
    "unknown_shlex": (Cmd(__import__("shlex").split, "a b"), "unknown"),
    "unknown_zipfile": (Cmd(zipfile.ZipFile, "/etc/passwd"), "unknown"),
}
for name, (obj, expect) in payloads.items():
    for proto in range(0, 6):
        put(expect, f"pickle/{name}_p{proto}.pkl", pickle.dumps(obj, protocol=proto))
        # a benign-looking container around it
        put(expect, f"pickle/{name}_in_dict_p{proto}.pkl", pickle.dumps({"w": [1, 2], "x": obj}, protocol=proto))


def op_str(s, proto):
    b = s.encode()
    if proto >= 4:
        return b"\x8c" + bytes([len(b)]) + b
    return b"X" + struct.pack("<I", len(b)) + b


# --- STACK_GLOBAL from memoised strings, memo tricks
for proto in (4, 5):
    head = b"\x80" + bytes([proto])
    # strings memoised, then fetched back for STACK_GLOBAL
    p = head + op_str("os", proto) + b"\x94" + op_str("system", proto) + b"\x94" + b"0" + b"0" \
        + b"h\x00h\x01\x93" + op_str("id", proto) + b"\x85R."
    put("dangerous", f"crafted/stack_global_memo_p{proto}.pkl", p)
    # memo index overwritten: first a benign name, then the real one
    p = head + op_str("collections", proto) + b"q\x07" + op_str("OrderedDict", proto) + b"q\x08" + b"00" \
        + op_str("subprocess", proto) + b"q\x07" + op_str("getoutput", proto) + b"q\x08" + b"00" \
        + b"h\x07h\x08\x93" + op_str("id", proto) + b"\x85R."
    put("dangerous", f"crafted/memo_overwrite_p{proto}.pkl", p)
    # MEMOIZE indices are the memo's length, not the last index
    p = head + op_str("x", proto) + b"r\x10\x00\x00\x00" + op_str("posix", proto) + b"\x94" \
        + op_str("system", proto) + b"\x94" + b"000" + b"h\x01h\x02\x93" + op_str("id", proto) + b"\x85R."
    put("dangerous", f"crafted/memoize_len_p{proto}.pkl", p)
    # a nested attribute path through an allowed module (protocol 4 resolves dots)
    p = head + op_str("torch.serialization", proto) + op_str("os.system", proto) + b"\x93" + op_str("id", proto) + b"\x85R."
    put("dangerous", f"crafted/submodule_attr_p{proto}.pkl", p)
    p = head + op_str("collections", proto) + op_str("OrderedDict.__init__.__globals__", proto) + b"\x93."
    put("dangerous", f"crafted/dunder_path_p{proto}.pkl", p)
# protocol 0: text memo with a NUL-terminated index (CPython stops at NUL)
put("dangerous", "crafted/memo_nul_index_p0.pkl",
    b"(S'os'\np5\x00junk\n0S'system'\np6\n0cbuiltins\ngetattr\n(c__builtin__\n__import__\n(g5\ntRg6\ntR(S'id'\ntR.")
# STRING and UNICODE operands with escapes, for STACK_GLOBAL
put("dangerous", "crafted/stack_global_escaped_p4.pkl",
    b"\x80\x04S'\\x6fs'\nV\\u0073ystem\n\x93S'id'\n\x85R.")
# submodule: os.path, posixpath-like names
for proto in range(0, 6):
    put("dangerous", f"pickle/os_path_p{proto}.pkl", pickle.dumps(Cmd(os.path.exists, "/"), protocol=proto))
put("dangerous", "crafted/os_path_module_p0.pkl", b"cos.path\nexists\n(S'/'\ntR.")
# INST and OBJ (protocol 0/1 ways to call)
put("dangerous", "crafted/inst_p0.pkl", b"(S'id'\nios\nsystem\n.")
put("dangerous", "crafted/obj_p1.pkl", b"(cos\nsystem\nX\x02\x00\x00\x00ido.")
put("dangerous", "crafted/inst_builtin_p0.pkl", b"(S'1+1'\ni__builtin__\neval\n.")
# EXT codes after registering the extension through copyreg
put("dangerous", "crafted/ext_copyreg_p2.pkl",
    b"\x80\x02ccopy_reg\nadd_extension\n(X\x02\x00\x00\x00osX\x06\x00\x00\x00systemK\x01tR0\x82\x01X\x02\x00\x00\x00id\x85R.")
put("unknown", "crafted/ext1_p2.pkl", b"\x80\x02\x82\x05X\x02\x00\x00\x00id\x85R.")
put("unknown", "crafted/ext2_p2.pkl", b"\x80\x02\x83\x05\x01X\x02\x00\x00\x00id\x85R.")
put("unknown", "crafted/ext4_p2.pkl", b"\x80\x02\x84\x05\x01\x00\x00X\x02\x00\x00\x00id\x85R.")
# BUILD on an imported class: sets attributes on a module-level object
put("dangerous", "crafted/build_on_global_p2.pkl",
    b"\x80\x02ccollections\nOrderedDict\nN}X\x07\x00\x00\x00__new__K\x01s\x86b.")
# Python 2 names mapped by fix_imports
put("dangerous", "crafted/py2_builtin_eval_p2.pkl", b"\x80\x02c__builtin__\neval\nX\x03\x00\x00\x001+1\x85R.")
put("dangerous", "crafted/py2_commands_p0.pkl", b"ccommands\ngetoutput\n(S'id'\ntR.")
# stacked pickles: the second one is bad
for proto in range(0, 6):
    put("dangerous", f"pickle/stacked_p{proto}.pkl",
        pickle.dumps({"ok": 1}, protocol=proto) + pickle.dumps(Cmd(), protocol=proto))
# a plain pickle named .pt
put("dangerous", "pickle/plain_pickle.pt", pickle.dumps(Cmd(), protocol=2))

# --- npy / npz
buf = io.BytesIO()
np.save(buf, np.arange(10, dtype=np.int64))
put("safe", "numpy/ints.npy", buf.getvalue())
buf = io.BytesIO()
np.save(buf, np.array([[1.0, 2.0]], dtype=">f4"), allow_pickle=False)
put("safe", "numpy/floats_be.npy", buf.getvalue())
buf = io.BytesIO()
np.save(buf, np.zeros(3, dtype=[("Out", "<f4"), ("b", "<i8")]))
put("safe", "numpy/structured.npy", buf.getvalue())
buf = io.BytesIO()
np.save(buf, np.array([1, "two", (3,)], dtype=object), allow_pickle=True)
put("safe", "numpy/object_benign.npy", buf.getvalue())
buf = io.BytesIO()
np.save(buf, np.array([1, Cmd()], dtype=object), allow_pickle=True)
bad_npy = put("dangerous", "numpy/object_malicious.npy", buf.getvalue())
buf = io.BytesIO()
np.savez(buf, a=np.arange(3), b=np.ones((2, 2)))
put("safe", "numpy/arrays.npz", buf.getvalue())
buf = io.BytesIO()
np.savez_compressed(buf, a=np.arange(100))
put("safe", "numpy/compressed.npz", buf.getvalue())
buf = io.BytesIO()
np.savez(buf, a=np.arange(3), evil=np.array([Cmd()], dtype=object))
put("dangerous", "numpy/malicious.npz", buf.getvalue())
buf = io.BytesIO()
np.savez_compressed(buf, evil=np.array([Cmd()], dtype=object))
put("dangerous", "numpy/malicious_compressed.npz", buf.getvalue())

# --- joblib
if joblib is not None:
    for proto in (2, 4, 5):
        path = os.path.join(OUT, "safe", f"joblib/model_p{proto}.joblib")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        joblib.dump({"coef": np.arange(12.0).reshape(3, 4), "n": 3, "obj": np.array([1, "a"], dtype=object)}, path,
                    protocol=proto)
        record("safe", path)
        path = os.path.join(OUT, "dangerous", f"joblib/evil_p{proto}.joblib")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        joblib.dump({"coef": np.arange(4.0), "evil": Cmd()}, path, protocol=proto)
        record("dangerous", path)
        path = os.path.join(OUT, "dangerous", f"joblib/evil_in_array_p{proto}.joblib")
        joblib.dump({"coef": np.arange(4.0), "arr": np.array([Cmd()], dtype=object)}, path, protocol=proto)
        record("dangerous", path)


def joblib_with_dtype(where, name, payload, dtype, shape):
    """joblib.dump of an object array whose wrapper states another dtype: the
    payload is pickled as joblib writes object arrays; joblib.load unpickles it
    when the stated dtype has hasobject (numpy takes that from the flags)."""
    from joblib import numpy_pickle as jnp
    orig = jnp.NumpyPickler._create_array_wrapper

    def patched(self, array):
        w = orig(self, array)
        if array.dtype.hasobject:
            w.dtype, w.shape = dtype, shape
        return w
    jnp.NumpyPickler._create_array_wrapper = patched
    try:
        path = os.path.join(OUT, where, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        joblib.dump({"coef": np.arange(4.0), "arr": payload}, path)
    finally:
        jnp.NumpyPickler._create_array_wrapper = orig
    record(where, path)


if joblib is not None:
    # a sub-array of objects pickles as V16 plus a state whose flags say hasobject
    sub = np.dtype(("O", (2,)))
    assert sub.__reduce__()[1][0] == "V16" and sub.hasobject
    joblib_with_dtype("dangerous", "joblib/subarray_object.joblib", np.array([[Cmd(), 1]], dtype=object), sub, (1,))
    joblib_with_dtype("safe", "joblib/subarray_object.joblib", np.array([["a", 1]], dtype=object), sub, (1,))
    # sized as raw V16 bytes, this payload would be skipped exactly
    for pad in range(16):
        payload = np.array([[Cmd(arg="echo pwned" + " " * pad), 1]], dtype=object)
        plen = len(pickle.dumps(payload, protocol=2))
        if plen % 16 == 0:
            break
    joblib_with_dtype("dangerous", "joblib/subarray_object_exact.joblib", payload, sub, (plen // 16,))
    # numpy trusts the flags alone: V8 with NPY_ITEM_HASOBJECT is read as objects
    forged = np.dtype("V8")
    forged.__setstate__((3, "|", None, None, None, 8, 1, 1))
    assert forged.hasobject
    joblib_with_dtype("dangerous", "joblib/void_flag_object.joblib", np.array([Cmd()], dtype=object), forged, (1,))
    # a record with an object field: V16 with names, fields and the flag
    rec = np.dtype([("a", "<i8"), ("b", "O")])
    joblib_with_dtype("dangerous", "joblib/record_object.joblib", np.array([[1, Cmd()]], dtype=object), rec, (1,))

# --- benign scikit-learn models (tree nodes are records: V plus fields)
try:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeRegressor
except Exception:
    LogisticRegression = None
if joblib is not None and LogisticRegression is not None:
    X = np.random.RandomState(0).randn(40, 3)
    y = (X[:, 0] > 0).astype(int)
    models = {"pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
              "random_forest": RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y),
              "gradient_boosting": GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y),
              "tree_regressor": DecisionTreeRegressor(max_depth=3).fit(X, X[:, 1])}
    for name, model in models.items():
        path = os.path.join(OUT, "safe", f"sklearn/{name}.joblib")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        joblib.dump(model, path)
        record("safe", path)
        joblib.dump(model, path.replace(".joblib", "_zlib.joblib"), compress=3)
        record("safe", path.replace(".joblib", "_zlib.joblib"))
        put("safe", f"sklearn/{name}.pkl", pickle.dumps(model, protocol=4))

# --- benign PyTorch training checkpoints: optimizer state alone and with the model
if torch is not None:
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    for name, opt in (("adam", torch.optim.Adam(net.parameters())),
                      ("sgd_momentum", torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9))):
        net(torch.randn(5, 3)).sum().backward()
        opt.step()
        for what, obj in (("state", opt.state_dict()),
                          ("checkpoint", {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
                                          "loss": 0.25})):
            path = os.path.join(OUT, "safe", f"torch/optimizer_{name}_{what}.pt")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            torch.save(obj, path)
            record("safe", path)

if joblib is not None:
    for f in ("safe/joblib/subarray_object.joblib", "safe/joblib/compressed_lz4.joblib",
              "safe/sklearn/random_forest.joblib"):
        if os.path.exists(os.path.join(OUT, f)):
            joblib.load(os.path.join(OUT, f))  # loads for real: the layout is joblib's own


# --- PyTorch zip checkpoints, as torch.save lays them out
def torch_zip(pkl, storages=(), prefix="archive", flag_bits=0, bad_crc=False, upper=False, lead=b""):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        def add(name, data):
            if upper:
                name = name.upper()
            z.writestr(zipfile.ZipInfo(name), data)
        add(f"{prefix}/data.pkl", pkl)
        for k, data in storages:
            add(f"{prefix}/data/{k}", data)
        add(f"{prefix}/version", b"3\n")
    data = bytearray(buf.getvalue())
    # patch flag bits and CRCs in local and central headers
    i = 0
    while True:
        i = data.find(b"PK\x03\x04", i)
        if i < 0:
            break
        if flag_bits:
            struct.pack_into("<H", data, i + 6, struct.unpack_from("<H", data, i + 6)[0] | flag_bits)
        if bad_crc:
            struct.pack_into("<I", data, i + 14, 0xDEADBEEF)
        i += 4
    i = 0
    while True:
        i = data.find(b"PK\x01\x02", i)
        if i < 0:
            break
        if flag_bits:
            struct.pack_into("<H", data, i + 8, struct.unpack_from("<H", data, i + 8)[0] | flag_bits)
        if bad_crc:
            struct.pack_into("<I", data, i + 16, 0xDEADBEEF)
        i += 4
    return lead + bytes(data)


class TorchStorageRef:
    """Pickles to a torch-style tensor rebuild with a persistent storage id."""


def torch_like_pickle(evil=False, proto=2):
    # The opcodes torch.save writes for {"w": tensor}: _rebuild_tensor_v2 and
    # BINPERSID ('storage', FloatStorage, '0', 'cpu', 4)
    p = b"\x80" + bytes([proto]) + b"}q\x00X\x01\x00\x00\x00wq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02(" \
        + b"(X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06K\x04tq\x07Q" \
        + b"K\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rtq\x08Rq\x09s"
    if evil:
        p += b"X\x01\x00\x00\x00xcposix\nsystem\nX\x02\x00\x00\x00id\x85Rs"
    return p + b"."


store = [("0", struct.pack("<4f", 1, 2, 3, 4))]
put("safe", "torch/handmade_zip.pt", torch_zip(torch_like_pickle(), store))
put("dangerous", "torch/handmade_zip_evil.pt", torch_zip(torch_like_pickle(True), store))
put("dangerous", "torch/zip_flag_bits.pt", torch_zip(torch_like_pickle(True), store, flag_bits=0x0806))
put("dangerous", "torch/zip_bad_crc.pt", torch_zip(torch_like_pickle(True), store, bad_crc=True))
put("dangerous", "torch/zip_uppercase.pt", torch_zip(torch_like_pickle(True), store, upper=True))
put("dangerous", "torch/zip_data_before.pt", torch_zip(torch_like_pickle(True), store, lead=b"\x00" * 100))
put("safe", "torch/zip_bad_crc_benign.pt", torch_zip(torch_like_pickle(), store, bad_crc=True))
# a benign pickle in front (what torch.load reads) and an evil zip behind it (what zipfile reads)
put("dangerous", "torch/pickle_then_zip.pt", pickle.dumps({"a": 1}, protocol=2) + torch_zip(torch_like_pickle(True), store))
# an evil pickle in front of a benign zip
put("dangerous", "torch/evil_pickle_then_zip.pt", pickle.dumps(Cmd(), protocol=2) + torch_zip(torch_like_pickle(), store))
# an extra pickle hidden in another member
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("archive/data.pkl", torch_like_pickle())
    z.writestr("archive/data/0", store[0][1])
    z.writestr("archive/extra.pkl", pickle.dumps(Cmd(), protocol=4))
put("dangerous", "torch/zip_extra_member.pt", buf.getvalue())

if torch is not None:
    lin = torch.nn.Linear(3, 2)
    for proto in (2, 4, 5):
        path = os.path.join(OUT, "safe", f"torch/state_dict_p{proto}.pt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.save(lin.state_dict(), path, pickle_protocol=proto)
        record("safe", path)
        path = os.path.join(OUT, "safe", f"torch/module_p{proto}.pt")
        torch.save(lin, path, pickle_protocol=proto)
        record("safe", path)
        path = os.path.join(OUT, "safe", f"torch/legacy_p{proto}.pt")
        torch.save({"w": torch.arange(5.0), "n": 1}, path, pickle_protocol=proto, _use_new_zipfile_serialization=False)
        record("safe", path)
        path = os.path.join(OUT, "dangerous", f"torch/legacy_evil_p{proto}.pt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.save({"w": torch.arange(5.0), "x": Cmd()}, path, pickle_protocol=proto,
                   _use_new_zipfile_serialization=False)
        record("dangerous", path)
        path = os.path.join(OUT, "dangerous", f"torch/zip_evil_p{proto}.pt")
        torch.save({"w": torch.arange(5.0), "x": Cmd()}, path, pickle_protocol=proto)
        record("dangerous", path)

# legacy stacked-pickle layout by hand (magic, protocol, sys_info, object, keys, raw data)
magic = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)
def legacy(obj_pickle):
    return magic + pickle.dumps(1001, protocol=2) + pickle.dumps({"little_endian": True}, protocol=2) \
        + obj_pickle + pickle.dumps(["0"], protocol=2) + struct.pack("<q", 4) + store[0][1]
put("safe", "torch/handmade_legacy.pt", legacy(torch_like_pickle()))
put("dangerous", "torch/handmade_legacy_evil.pt", legacy(torch_like_pickle(True)))
put("dangerous", "torch/handmade_legacy_evil_keys.pt",
    magic + pickle.dumps(1001, protocol=2) + pickle.dumps({}, protocol=2) + torch_like_pickle()
    + pickle.dumps(Cmd(), protocol=2))


# legacy PyTorch tar (torch < 0.4)
def legacy_tar(main):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        add("sys_info", pickle.dumps({"protocol_version": 1001}, protocol=2))
        storages = pickle.dumps(1, protocol=2) + pickle.dumps(("0", "cpu", torch.FloatStorage if torch else None), protocol=2) \
            if torch else pickle.dumps(0, protocol=2)
        if torch:
            storages += struct.pack("<q", 4) + store[0][1]
        add("storages", storages)
        add("tensors", pickle.dumps(0, protocol=2))
        add("pickle", main)
    return buf.getvalue()
put("safe", "torch/legacy.tar", legacy_tar(pickle.dumps({"a": [1, 2]}, protocol=2)))
put("dangerous", "torch/legacy_evil.tar", legacy_tar(pickle.dumps({"a": Cmd()}, protocol=2)))


# --- safetensors
def safetensors(header, data):
    import json
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data
put("safe", "safetensors/ok.safetensors", safetensors(
    {"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
     "b": {"dtype": "I64", "shape": [1], "data_offsets": [8, 16]}}, b"\x00" * 16))
put("error", "safetensors/overlap.safetensors", safetensors(
    {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
     "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\x00" * 16))
put("error", "safetensors/outside.safetensors", safetensors(
    {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\x00" * 8))
put("error", "safetensors/bad_dtype.safetensors", safetensors(
    {"a": {"dtype": "PYOBJ", "shape": [1], "data_offsets": [0, 8]}}, b"\x00" * 8))
put("error", "safetensors/size_mismatch.safetensors", safetensors(
    {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\x00" * 8))


# --- GGUF
def gguf(kvs):
    def s(x):
        b = x.encode()
        return struct.pack("<Q", len(b)) + b
    out = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs))
    for k, v in kvs:
        if isinstance(v, str):
            out += s(k) + struct.pack("<I", 8) + s(v)
        else:
            out += s(k) + struct.pack("<II", 4, v)
    out += s("tok_embd.weight") + struct.pack("<I", 1) + struct.pack("<Q", 4) + struct.pack("<I", 0) + struct.pack("<Q", 0)
    return out + b"\x00" * 32
put("safe", "gguf/ok.gguf", gguf([("general.architecture", "llama"), ("general.alignment", 32),
    ("tokenizer.chat_template", "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}")]))
put("dangerous", "gguf/ssti.gguf", gguf([("general.architecture", "llama"),
    ("tokenizer.chat_template", "{{ cycler.__init__.__globals__.os.popen('id').read() }}")]))
put("dangerous", "gguf/ssti_attr.gguf", gguf([("tokenizer.chat_template",
    "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}")]))
put("error", "gguf/truncated.gguf", gguf([("general.architecture", "llama")])[:30])

# --- JSON next to models: no model format, skipped
put("skipped", "misc/config.json", b'{"hidden_size": 4}', where="safe")


# --- a Hugging Face model directory: one model file, the rest text (skipped)
def safetensors_np(tensors, metadata=None):
    import json
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, arr in tensors.items():
        raw = arr.tobytes()
        header[name] = {"dtype": {"float32": "F32", "int64": "I64"}[str(arr.dtype)], "shape": list(arr.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # the safetensors writer pads the header to 8 bytes
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def hf_text_files(where):
    import json
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "##s", "model", ".", ","]
    put("skipped", "config.json", json.dumps({"architectures": ["BertModel"], "hidden_size": 4,
                                              "vocab_size": len(vocab)}, indent=2).encode(), where)
    put("skipped", "tokenizer.json", json.dumps({"version": "1.0", "model": {"type": "WordPiece", "vocab": {
        t: i for i, t in enumerate(vocab)}}}).encode(), where)
    put("skipped", "tokenizer_config.json", b'{"do_lower_case": true, "model_max_length": 512}\n', where)
    put("skipped", "vocab.txt", "\n".join(vocab).encode() + b"\n", where)
    put("skipped", "merges.txt", b"#version: 0.2\nt h\nth e\n", where)
    put("skipped", "README.md", b"---\nlicense: apache-2.0\ntags:\n- bert\n---\n\n# tiny-bert\n\nThe model.\n", where)
    put("skipped", ".gitattributes", b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs\n", where)


hf = "hf/tiny-bert"
put("safe", "model.safetensors", safetensors_np(
    {"embeddings.weight": np.arange(40, dtype=np.float32).reshape(10, 4),
     "position_ids": np.arange(8, dtype=np.int64).reshape(1, 8)}, {"format": "pt"}), hf)
hf_text_files(hf)
# the same directory with a protocol-0 pickle dressed up as the vocabulary
put("dangerous", "vocab.txt", b"(S'echo pwned'\nios\nsystem\n.", "dangerous/hf_vocab")
put("dangerous", "merges.txt", b"cposix\nsystem\n(S'id'\ntR.", "dangerous/hf_vocab")
# text with a pickle's first byte is read as a pickle: never skipped
put("error", "notes.txt", b"Note: not a model\n")

# --- compressed joblib dumps (and streams made like them): decompressed as
# joblib.load reads them and scanned
import bz2
import gzip
import lzma
import zlib
try:
    import lz4.frame
except Exception:
    lz4 = None
inner = pickle.dumps(Cmd(), protocol=4)
put("dangerous", "compressed/zlib_level3.joblib", zlib.compress(inner, 3))
put("dangerous", "compressed/zlib_level9.joblib", zlib.compress(inner, 9))
put("dangerous", "compressed/gzip.joblib", gzip.compress(inner))
put("dangerous", "compressed/gzip_two_members.joblib", gzip.compress(b"") + b"\0\0" + gzip.compress(inner))
put("dangerous", "compressed/bz2.joblib", bz2.compress(inner))
put("dangerous", "compressed/xz.joblib", lzma.compress(inner))
put("dangerous", "compressed/lzma.joblib", lzma.compress(inner, format=lzma.FORMAT_ALONE))
# the stream breaks off after the pickle: joblib has unpickled it by then
put("dangerous", "compressed/gzip_truncated.joblib", gzip.compress(inner)[:-6])
put("dangerous", "compressed/bz2_then_garbage.joblib", bz2.compress(inner) + b"trailing")
if lz4 is not None:
    put("dangerous", "compressed/lz4.joblib", lz4.frame.compress(inner))
put("error", "compressed_garbage.joblib", b"\x1f\x8b\x08" + b"\xff" * 40)
if joblib is not None:
    comps = ["zlib", "gzip", "bz2", "xz", "lzma"] + (["lz4"] if lz4 is not None else [])
    for c in comps:
        for where, obj in (("safe", {"coef": np.arange(4.0), "obj": np.array([1, "a"], dtype=object)}),
                           ("dangerous", {"coef": np.arange(4.0), "evil": Cmd()}),
                           ("dangerous", {"coef": np.arange(4.0), "arr": np.array([Cmd()], dtype=object)})):
            kind = "in_array_" if where == "dangerous" and "arr" in obj else ""
            path = os.path.join(OUT, where, f"joblib/compressed_{kind}{c}.joblib")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            joblib.dump(obj, path, compress=(c, 3))
            record(where, path)


# --- issue 14: gadgets, computed globals, false positives
def evil_pickle(mod, name, proto, arg="id"):
    """A call of mod.name(arg), as a pickler of that protocol would write it."""
    if proto < 2:
        return f"c{mod}\n{name}\n(S'{arg}'\ntR.".encode()
    if proto < 4:
        return b"\x80" + bytes([proto]) + f"c{mod}\n{name}\n".encode() + op_str(arg, proto) + b"\x85R."
    return b"\x80" + bytes([proto]) + op_str(mod, proto) + op_str(name, proto) + b"\x93" + op_str(arg, proto) + b"\x85R."


GADGETS = [
    ("_operator", "attrgetter"), ("_operator", "methodcaller"), ("operator", "methodcaller"), ("venv", "create"),
    ("ensurepip", "bootstrap"), ("uuid", "_get_command_stdout"), ("_osx_support", "_read_output"),
    ("_aix_support", "_read_cmd_output"), ("imaplib", "IMAP4_stream"), ("_pyrepl.pager", "pipe_pager"),
    ("test.support.script_helper", "assert_python_ok"), ("torch.utils.collect_env", "run"),
    ("torch.fx.experimental.symbolic_shapes", "ShapeEnv"), ("logging.config", "listen"),
    ("_posixsubprocess", "fork_exec"), ("pydoc", "pipepager"), ("code", "InteractiveInterpreter"),
    ("pty", "spawn"), ("runpy", "_run_code"), ("cProfile", "run"), ("profile", "run"), ("timeit", "timeit"),
    ("trace", "Trace"), ("bdb", "Bdb"), ("idlelib.pyshell", "ModifiedInterpreter"), ("lib2to3.main", "main"),
    ("distutils.spawn", "spawn"), ("numpy.f2py", "compile"), ("platform", "popen"), ("_functools", "partial"),
    ("atexit", "register"), ("weakref", "finalize"), ("sqlite3", "connect"), ("tkinter", "Tcl"),
    ("numpy.lib.format", "read_array"), ("numpy.ctypeslib", "load_library"), ("pandas", "read_pickle"),
    ("torch.utils.data.datapipes.utils.decoder", "basichandlers"), ("torch.package", "PackageImporter"),
    ("unittest.mock", "patch"), ("sched", "scheduler"), ("pkg_resources", "load_entry_point"),
]
for mod, name in GADGETS:
    for proto in (0, 2, 4):
        put("dangerous", f"gadgets/{mod}.{name}_p{proto}.pkl", evil_pickle(mod, name, proto))


# computed globals: module and name made by allowed calls at load time
def computed(proto):
    h = b"\x80" + bytes([proto])
    enc = op_str("_codecs", proto) + op_str("encode", proto) + b"\x93"
    return (h + enc + op_str("cbfvk", proto) + op_str("rot13", proto) + b"\x86R" + enc + op_str("flfgrz", proto)
            + op_str("rot13", proto) + b"\x86R\x93" + op_str("id", proto) + b"\x85R.")


for proto in (4, 5):
    put("dangerous", f"crafted/computed_global_p{proto}.pkl", computed(proto))
    # the computed strings parked in the memo first
    h = b"\x80" + bytes([proto])
    put("dangerous", f"crafted/computed_global_memo_p{proto}.pkl",
        h + b"\x8c\x07_codecs\x8c\x06encode\x93\x94" + b"h\x00" + op_str("cbfvk", proto) + op_str("rot13", proto)
        + b"\x86R\x94" + b"0" + b"h\x00" + op_str("flfgrz", proto) + op_str("rot13", proto) + b"\x86R\x94" + b"0"
        + b"h\x01h\x02\x93" + op_str("id", proto) + b"\x85R.")



# npy headers that hide object arrays: every one checked against numpy's own
# header reader here (hasobject), so the corpus cannot drift from the loader.
def npy_raw(header, payload, version=1):
    h = header.encode("latin1")
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + payload
    return b"\x93NUMPY" + bytes([version]) + b"\x00" + struct.pack("<I", len(h) + 2) + h + b"  " + payload


def npy_hasobject(data):
    import numpy.lib.format as fmt
    f = io.BytesIO(data)
    version = fmt.read_magic(f)
    shape, order, dtype = fmt._read_array_header(f, version, max_header_size=1 << 30)
    return dtype.hasobject


HIDDEN_OBJECT_DESCRS = {
    "word": "'object'", "word_le": "'|O8'", "o4": "'O4'", "comma": "'i4,O'", "comma_space": "'f8, O'",
    "subarray_prefix": "'(2,)O'", "repeat_prefix": "'2O'", "tuple_top": "('O', (2,))",
    "tuple_field": "[('a', '<f8'), ('b', 'O', (2,))]", "nested": "[('a', [('b', [('c', 'O')])])]",
    "tuple_type_field": "[('a', ('O', (1,)))]", "escape_hex": "'\\x4f'", "escape_octal": "'\\117'",
    "escape_unicode": "'\\u004f'", "concat": "'ob' 'ject'", "concat_paren": "('O' '8')",
    "named_escape": "'\\N{LATIN CAPITAL LETTER O}'", "unpacked_string_field": "['aO']",
    "dict_keys": "{'aO': 1}", "comment": "'O' # c\n", "title_field": "[(('t', 'a'), 'O')]",
}
evil_obj = pickle.dumps(Cmd(), protocol=3)
for name, descr in HIDDEN_OBJECT_DESCRS.items():
    for key_order in (0, 1):
        if key_order == 0:
            header = "{'descr': %s, 'fortran_order': False, 'shape': (1,), }" % descr
        else:  # keys spelled oddly: concatenated, escaped, double-quoted, reordered
            header = "{\"shape\": (1,), 'fortran' '_order': False, '\\x64escr': %s}" % descr
        data = npy_raw(header, evil_obj)
        try:
            ok = npy_hasobject(data)
        except Exception as e:
            ok = False
        if not ok:
            continue  # numpy itself does not read this spelling as objects
        put("dangerous", f"numpy/hidden_object_{name}_{key_order}.npy", data)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.npy", np.save(io.BytesIO(), np.arange(2)) or b"")
            z.writestr(f"{name}.npy", data)
        put("dangerous", f"numpy/hidden_object_{name}_{key_order}.npz", buf.getvalue())
put("dangerous", "numpy/hidden_object_v3.npy", npy_raw("{'descr': 'object', 'fortran_order': False, 'shape': (1,)}", evil_obj, 3))
put("dangerous", "numpy/python2_long.npy", npy_raw("{'descr': 'O', 'fortran_order': False, 'shape': (1L,)}", evil_obj))
for name, dt in {"structured_nested": [("a", "<f4", (2,)), ("b", [("c", "<i8"), ("Obj", "u1")])],
                 "subarray": ("<f8", (2, 3)), "words": "float64", "comma": "i4,f8,(2,)u1"}.items():
    buf = io.BytesIO()
    np.save(buf, np.zeros(3, dtype=dt))
    put("safe", f"numpy/{name}.npy", buf.getvalue())


# zip central directories read differently by zipfile (np.load) and PyTorch
def zip_split(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for n, d in members:
            z.writestr(n, d)
    data = buf.getvalue()
    e = data.rindex(b"PK\x05\x06")
    n, size, off = struct.unpack("<HII", data[e + 10:e + 20])
    recs, p = [], off
    for _ in range(n):
        ln = 46 + sum(struct.unpack("<HHH", data[p + 28:p + 34]))
        recs.append(data[p:p + ln])
        p += ln
    return data[:off], recs


def rec_shift(rec, delta):
    return rec[:42] + struct.pack("<I", struct.unpack("<I", rec[42:46])[0] + delta) + rec[46:]


def eocd(count, size, off):
    return b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, size, off, 0)


npy_evil = io.BytesIO()
np.save(npy_evil, np.array([Cmd()], dtype=object), allow_pickle=True)
npy_ok = io.BytesIO()
np.save(npy_ok, np.arange(3))
# an understated count: zipfile reads every record within the size
local, recs = zip_split([("a.npy", npy_ok.getvalue()), ("evil.npy", npy_evil.getvalue())])
cd = b"".join(recs)
data = local + cd + eocd(1, len(cd), len(local))
assert "evil.npy" in zipfile.ZipFile(io.BytesIO(data)).namelist()
put("dangerous", "zipcd/understated_count.npz", data)
# a second central directory: the stated offset shows only the benign member,
# zipfile reads the one at "end record minus size" (offsets shifted to match)
# (a first member that no directory lists makes room for the shift)
local, recs = zip_split([("pad", b"\0" * 256), ("a.npy", npy_ok.getvalue()), ("evil.npy", npy_evil.getvalue())])
cd_a = recs[1]
x = len(local)
y = x + len(cd_a)
cd_b = b"".join(rec_shift(r, -(y - x)) for r in recs[1:])
data = local + cd_a + cd_b + eocd(1, len(cd_b), x)
assert "evil.npy" in zipfile.ZipFile(io.BytesIO(data)).namelist()
put("dangerous", "zipcd/hidden_cd_zipfile.npz", data)
# the other way round: PyTorch's reader takes the stated offset and count
if torch is not None:
    evil_pkl = pickle.dumps(Cmd(), protocol=2)
    good_pkl = pickle.dumps({"w": 1}, protocol=2)
    import warnings
    warnings.simplefilter("ignore")
    local, recs = zip_split([("archive/data.pkl", evil_pkl), ("archive/version", b"3\n"),
                             ("archive/data.pkl", good_pkl)])
    cd_t = recs[0] + recs[1]  # what PyTorch reads, at the stated offset: the evil data.pkl
    x = len(local)
    # what zipfile reads, at end minus size; its header offsets are shifted by len(cd_t)
    cd_p = rec_shift(recs[2], -len(cd_t))
    # PyTorch's reader wants its records within the stated size: a comment pads zipfile's
    cd_p = cd_p[:32] + struct.pack("<H", len(cd_t)) + cd_p[34:] + b" " * len(cd_t)
    data = local + cd_t + cd_p + eocd(2, len(cd_p), x)
    p = put("dangerous", "zipcd/hidden_cd_torch.pt", data)
    assert torch._C.PyTorchFileReader(p).get_record("data.pkl") == evil_pkl
    assert zipfile.ZipFile(p).read("archive/data.pkl") == good_pkl


# FRAMEs whose stated length lies: what each reader imports is checked here
# with an instrumented find_class that returns a stub (nothing runs)
def imports_of(unpickler_cls, data, from_file):
    seen = []

    class U(unpickler_cls):
        def find_class(self, mod, name):
            seen.append((mod, name))
            return lambda *a, **k: None

    try:
        if from_file:
            U(io.BytesIO(data)).load()
        else:
            U(io.BytesIO(data)).load() if unpickler_cls is pickle._Unpickler else pickle.loads(data) and None
    except Exception:
        pass
    return seen


def loads_imports(data):
    seen = []

    class U(pickle.Unpickler):
        def find_class(self, mod, name):
            seen.append((mod, name))
            return lambda *a, **k: None
    # the C Unpickler over a bytes-like buffer with peek(): frames are transparent
    class Peek(io.BufferedReader):
        pass
    try:
        U(Peek(io.BytesIO(data))).load()
    except Exception:
        pass
    return seen


evil_ops = b"\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R0"
evil_ops += b"N0" * ((78 - len(evil_ops)) // 2)
assert len(evil_ops) == 78
# the C Unpickler on a file without peek() (torch.load's BytesIO) drops the
# rest of a frame an operand runs past, and reads on after it
frame_lie = b"\x80\x04\x95" + struct.pack("<Q", 3) + b"\x8c\x0c" + b"a" * 12 + b"CN" + evil_ops + b"."
assert ("os", "system") in imports_of(pickle.Unpickler, frame_lie, True)
assert ("os", "system") not in loads_imports(frame_lie)
put("dangerous", "frames/frame_short_c_file.pkl", frame_lie)
if torch is not None:
    put("dangerous", "frames/frame_short_in_torch_zip.pt", torch_zip(frame_lie))
# Python's _Unframer (joblib) reads a frame longer than the file as far as it goes
frame_long = b"\x80\x04\x95" + struct.pack("<Q", 1000) + evil_ops[:-1] + b"."
assert ("os", "system") in imports_of(pickle._Unpickler, frame_long, True)
put("dangerous", "frames/frame_long_python.pkl", frame_long)

# --- what the fuzz bridge found (tests/scan/fuzz_differential.sh): where
# Python's reader (joblib, pickle._Unpickler) reads on after the C
# Unpickler stops, files of another format that the pickle loaders read,
# names as the loaders spell them. Each is checked against a loader here.
def py_imports(data):
    return imports_of(pickle._Unpickler, data, True)


def c_imports(data):
    return imports_of(pickle.Unpickler, data, True)


# a last line without its newline: C raises, Python cuts the last byte off
eof_line = b"(cos\nsystemX"
assert ("os", "system") in py_imports(eof_line) and not c_imports(eof_line)
put("dangerous", "bridge/eof_line_python.pkl", eof_line)
# a GLOBAL at the very end: find_class('', '')
assert ("", "") in py_imports(b"(c")
put("unknown", "bridge/global_at_eof.pkl", b"(c")
# an empty name line: C refuses it, Python imports ('os', '')
assert ("os", "") in py_imports(b"cos\n\n.") and not c_imports(b"cos\n\n.")
put("unknown", "bridge/empty_name_line.pkl", b"cos\n\n.")
# INST: Python imports the class before it looks for the MARK
assert ("os", "system") in py_imports(b"ios\nsystem\n.") and not c_imports(b"ios\nsystem\n.")
put("dangerous", "bridge/inst_before_mark.pkl", b"ios\nsystem\n.")
# a short frame, then a line read at its end comes from the file
short_frame = b"\x80\x04\x95" + struct.pack("<Q", 192) + b"\x8c\x02os\x94\x88c"
assert ("", "") in py_imports(short_frame)
put("unknown", "bridge/short_frame_global_at_eof.pkl", short_frame)
# a long name: protocol 4 walks os.path.os.path...system attribute by attribute
long_name = "path.os." * 40 + "system"
long_p4 = b"\x80\x04\x8c\x02os\x8d" + struct.pack("<Q", len(long_name)) + long_name.encode() + \
    b"\x93\x8c\x02id\x85R."
assert ("os", long_name) in c_imports(long_p4)
put("dangerous", "bridge/long_attribute_path_p4.pkl", long_p4)
# a lone surrogate in a name (BINUNICODE decodes with surrogatepass)
surrogate = b"\x80\x04\x8c\x02os\x8c\x03\xed\xa0\x80\x93."
assert ("os", "\ud800") in c_imports(surrogate)
put("dangerous", "bridge/surrogate_name_p4.pkl", surrogate)
# BINSTRING bytes: torch.load decodes them as UTF-8 (pickle.load as ASCII: raises)
utf8_name = b"\x80\x02U\x02\xc3\xa9U\x01x\x93."
put("unknown", "bridge/utf8_binstring_p2.pkl", utf8_name)
# another format's magic read as opcodes: GGUF is BINFLOAT, an empty zip's
# end record a PERSID line, and the pickle behind them runs
evil_p0 = b"cos\nsystem\n(S'id'\ntR."
gguf_pickle = b"GGUF\x03\x00\x00\x00\x00" + evil_p0
assert ("os", "system") in c_imports(gguf_pickle)
put("dangerous", "bridge/gguf_read_as_pickle.gguf", gguf_pickle)
tail = b"\n0" + evil_p0
empty_zip = b"PK\x05\x06" + b"\x00" * 16 + struct.pack("<H", len(tail)) + tail
assert zipfile.ZipFile(io.BytesIO(empty_zip)).namelist() == []


class PidUnpickler(pickle.Unpickler):
    """An unpickler with a persistent_load that takes any id (as the probe's
    does; torch's would refuse this one, pickle.load has none)."""
    def persistent_load(self, pid):
        return None


assert ("os", "system") in imports_of(PidUnpickler, empty_zip, True)
put("dangerous", "bridge/empty_zip_read_as_pickle.zip", empty_zip)
if torch is not None:
    # a stored data.pkl whose compressed size understates: PyTorch's reader
    # takes the uncompressed size (once the time field is not zero)
    z = bytearray(torch_zip(b"\x80\x02}." + b"N0" * 20 + pickle.dumps(Cmd(), protocol=2)[2:]))
    cd = z.find(b"PK\x01\x02")
    assert z[cd + 46:cd + 46 + 16] == b"archive/data.pkl"
    struct.pack_into("<H", z, cd + 12, 0x6000)  # time
    struct.pack_into("<I", z, cd + 20, 4)  # compressed size: just "\x80\x02}."
    p = put("dangerous", "bridge/stored_sizes_differ.pt", bytes(z))
    assert b"posix" in torch._C.PyTorchFileReader(p).get_record("data.pkl")

# joblib < 0.10 "ZF" files (joblib.load still reads them), written by
# joblib's own write_zfile; arrays were kept in companion files
if joblib is not None:
    from joblib.numpy_pickle_compat import write_zfile, NDArrayWrapper, ZNDArrayWrapper

    def zfile(expect, name, data, where=None):
        path = os.path.join(OUT, where or expect, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            write_zfile(f, data)
        record(expect, path)
        return path

    zfile("safe", "joblib/zfile_benign.pkl", pickle.dumps({"a": [1, 2.5], "b": "x"}, protocol=2))
    zfile("dangerous", "joblib/zfile_evil.pkl", pickle.dumps({"a": Cmd()}, protocol=2))
    d = os.path.join(OUT, "safe", "joblib")
    np.save(os.path.join(d, "zfile_arrays.pkl_01.npy"), np.arange(5.0))
    record("safe", os.path.join(d, "zfile_arrays.pkl_01.npy"))
    zfile("safe", "joblib/zfile_arrays.pkl",
          pickle.dumps({"w": NDArrayWrapper("zfile_arrays.pkl_01.npy", np.ndarray)}, protocol=2))
    zfile("skipped", "joblib/zfile_zarrays.pkl_01.npy.z", np.arange(3.0).tobytes(), where="safe")
    zp = zfile("safe", "joblib/zfile_zarrays.pkl", pickle.dumps(
        {"w": ZNDArrayWrapper("zfile_zarrays.pkl_01.npy.z", (np.ndarray, (0,), b"b"),
                              (1, (3,), np.dtype("<f8"), False))}, protocol=2))
    assert joblib.load(zp)["w"].tolist() == [0.0, 1.0, 2.0]
    zfile("unknown", "joblib/zfile_array_elsewhere.pkl",
          pickle.dumps({"w": NDArrayWrapper("/nonexistent/x.npy", np.ndarray)}, protocol=2))
    good = open(os.path.join(OUT, "safe", "joblib/zfile_benign.pkl"), "rb").read()
    put("error", "zfile_cut.pkl", good[:-3])

# false positives: every protocol 0/1 pickle of a plain object calls copyreg._reconstructor
class Plain:
    pass


import __future__
for proto in range(0, 6):
    plain = pickle.dumps(Plain(), protocol=proto).replace(b"__main__", b"argparse").replace(
        b"\nPlain\n", b"\nNamespace\n").replace(b"\x05Plain", b"\x09Namespace")
    put("safe", f"pickle/reconstructor_p{proto}.pkl", plain)
    put("safe", f"pickle/future_feature_p{proto}.pkl", pickle.dumps(__future__.annotations, protocol=proto))

# --- truncated and garbage
good = pickle.dumps(BENIGN, protocol=4)
put("error", "truncated_pickle_p4.pkl", good[: len(good) // 2])
put("error", "truncated_pickle_p0.pkl", pickle.dumps(BENIGN, protocol=0)[:200])
put("skipped", "garbage.bin", bytes(range(256)) * 4)
put("skipped", "text.txt", b"hello world, not a model\n")
put("error", "empty.pt", b"")
z = torch_zip(torch_like_pickle(), store)
put("error", "truncated_zip.pt", z[: len(z) - 30])
put("error", "npy_truncated.npy", b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f8'")
put("error", "npy_bad_keys.npy", b"\x93NUMPY\x01\x00\x16\x00{'descr': '<f8', }    \n")
put("error", "pickle_no_stop.pkl", b"\x80\x02K\x01")
put("error", "unsupported_proto.pkl", b"\x80\x06K\x01.")
put("error", "next_buffer_p5.pkl", b"\x80\x05\x97.")

with open(os.path.join(OUT, "MANIFEST"), "w") as f:
    for expect, path in manifest:
        f.write(f"{expect}\t{path}\n")
print(f"{len(manifest)} files in {OUT}")
