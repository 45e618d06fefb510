#!/usr/bin/python3
"""ignore_signals.py CMD...: CMD with signals 32 and 33 ignored (set through
the kernel: glibc's signal(3) refuses them), as some callers leave them; a
runtime must not pass that on to a container."""
import ctypes
import os
import sys


class KSigaction(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("flags", ctypes.c_ulong),
                ("restorer", ctypes.c_void_p), ("mask", ctypes.c_uint64)]


libc = ctypes.CDLL(None, use_errno=True)
SYS_rt_sigaction, SIG_IGN = 13, 1
for sig in (32, 33):
    act = KSigaction(SIG_IGN, 0, None, 0)
    if libc.syscall(SYS_rt_sigaction, sig, ctypes.byref(act), None, 8) != 0:
        sys.exit("rt_sigaction(%d): errno %d" % (sig, ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])
