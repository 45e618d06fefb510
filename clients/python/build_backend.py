"""A PEP 517 build backend for this one package, standard library only: a wheel (and an sdist)
holding airlock/, with the metadata pyproject.toml gives. No setuptools, no index: pip installs it
offline, with build isolation or without."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
NAME, DIST, VERSION = "airlock-client", "airlock_client", "0.12.0"
TAG = "py3-none-any"


def _metadata() -> str:
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n"
            "Summary: A client of airlock serve: sandboxes over its unix socket or TCP\n"
            "Requires-Python: >=3.9\n")


def _files() -> List[str]:
    out = []
    for root, dirs, files in os.walk(os.path.join(HERE, "airlock")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if f.endswith((".py", ".typed")):
                out.append(os.path.relpath(os.path.join(root, f), HERE))
    return out


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _wheel(directory: str, editable: bool) -> str:
    name = f"{DIST}-{VERSION}-{TAG}.whl"
    info = f"{DIST}-{VERSION}.dist-info"
    entries: Dict[str, bytes] = {}
    if editable:
        entries[f"{DIST}.pth"] = (HERE + "\n").encode()
    else:
        for rel in _files():
            with open(os.path.join(HERE, rel), "rb") as f:
                entries[rel.replace(os.sep, "/")] = f.read()
    entries[f"{info}/METADATA"] = _metadata().encode()
    entries[f"{info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: airlock build_backend\nRoot-Is-Purelib: true\n"
                                f"Tag: {TAG}\n").encode()
    entries[f"{info}/top_level.txt"] = b"airlock\n"
    record = [_record_line(p, d) for p, d in entries.items()] + [f"{info}/RECORD,,"]
    entries[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(os.path.join(directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in entries.items():
            zi = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data, zipfile.ZIP_DEFLATED)
    return name


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


get_requires_for_build_sdist = get_requires_for_build_wheel
get_requires_for_build_editable = get_requires_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    return _wheel(wheel_directory, editable=False)


def build_editable(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    return _wheel(wheel_directory, editable=True)


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    base = f"{DIST}-{VERSION}"
    name = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in _files() + ["pyproject.toml", "build_backend.py"]:
            t.add(os.path.join(HERE, rel), arcname=f"{base}/{rel}")
        data = _metadata().encode()
        ti = tarfile.TarInfo(f"{base}/PKG-INFO")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    return name
