# defence: rlimits
# RLIMIT_CORE is 0 (soft and hard): a crashing process, even after trying to
# raise its soft limit, must leave no core file in the workdir, and its wait
# status must not say "core dumped".
. "$REPO/tests/escape/lib.sh"
pattern=$(cat /proc/sys/kernel/core_pattern)
# Only a plain file name in the crashing process's directory is observable
# here; a pipe (|systemd-coredump) ignores RLIMIT_CORE 0 in the kernel.
[[ "$pattern" == core* ]] || broken "core_pattern is '$pattern', not a file in the cwd: cannot observe core files"
out=$(al --profile python -- python3 -c '
import os, signal, resource as r
soft, hard = r.getrlimit(r.RLIMIT_CORE)
try:
    r.setrlimit(r.RLIMIT_CORE, (hard, hard))
except (ValueError, OSError):
    pass
pid = os.fork()
if pid == 0:
    os.kill(os.getpid(), signal.SIGSEGV)
    os._exit(0)
_, st = os.waitpid(pid, 0)
print("signal", os.WTERMSIG(st) if os.WIFSIGNALED(st) else None, "dumped", os.WCOREDUMP(st))
print("files", [f for f in os.listdir(".") if f.startswith("core")])
' 2>&1)
grep -q '^files' <<<"$out" || broken "no result: $out"
grep -q '^signal 11 ' <<<"$out" || broken "the child did not die of SIGSEGV: $out"
grep -q 'dumped True' <<<"$out" && escaped "core dumped: $(tr '\n' ' ' <<<"$out")"
grep -q "^files \[\]" <<<"$out" || escaped "core file left: $(tr '\n' ' ' <<<"$out")"
contained "$(tr '\n' ' ' <<<"$out")"
