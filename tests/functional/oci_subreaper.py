"""Run a command as a subreaper would (conmon, containerd's shim): then
check that the pid in the pid file is our child, reap it, print its status."""
import ctypes, os, subprocess, sys

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl failed")
pidfile, then = sys.argv[1], sys.argv[2]
cmd = sys.argv[3:]
if subprocess.call(cmd) != 0:
    sys.exit("create failed")
pid = int(open(pidfile).read())
with open(f"/proc/{pid}/stat") as f:
    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
print(f"init {pid} parent {ppid} me {os.getpid()}", flush=True)
if ppid != os.getpid():
    sys.exit("the container's init is not the subreaper's child")
# The rest of the lifecycle (start, and the init's exit) from a shell.
if subprocess.call(["bash", "-c", then]) != 0:
    os.kill(pid, 9)  # never wait for an init the steps left running
    print("steps failed", flush=True)
_, status = os.waitpid(pid, 0)
print("exit", os.waitstatus_to_exitcode(status), flush=True)
