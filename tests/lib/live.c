/* A kept sandbox: commands after the first in the same namespaces, cgroup
 * and workspace, each with its own output, status, signal and violations;
 * files in and out; snapshot and restore; the containment of a second
 * command; per-command time limits and the sandbox's deadline. */
#include <signal.h>

#include "lib.h"

struct cmd {
	char out[300000], err[2048];
	size_t olen, elen;
	int exited, code, sig;
	char status[32];
	int violations;
	char syscall[64];
};

struct box {
	al_sandbox *sb;
	struct cmd cmds[32];
	int ended, started;
	char status[32];
	char limits[128];
};

static void on_event(void *user, const struct al_event *ev)
{
	struct box *b = user;
	struct cmd *c = &b->cmds[ev->command < 32 ? ev->command : 31];

	switch (ev->kind) {
	case AL_EV_OUTPUT:
		if (ev->stream == 1 && c->olen + ev->len <= sizeof(c->out)) {
			memcpy(c->out + c->olen, ev->data, ev->len);
			c->olen += ev->len;
		} else if (ev->stream == 2 && c->elen + ev->len < sizeof(c->err)) {
			memcpy(c->err + c->elen, ev->data, ev->len);
			c->elen += ev->len;
		}
		break;
	case AL_EV_EXITED:
		c->exited++;
		c->code = ev->exit_code;
		c->sig = ev->signal;
		snprintf(c->status, sizeof(c->status), "%s", ev->status);
		break;
	case AL_EV_VIOLATION:
		c->violations++;
		snprintf(c->syscall, sizeof(c->syscall), "%s", ev->syscall);
		break;
	case AL_EV_LIMIT:
		strncat(b->limits, ev->limit, sizeof(b->limits) - strlen(b->limits) - 2);
		strcat(b->limits, " ");
		break;
	case AL_EV_STARTED:
		b->started++;
		break;
	case AL_EV_ENDED:
		b->ended++;
		snprintf(b->status, sizeof(b->status), "%s", ev->status);
		break;
	default:
		break;
	}
}

/* Run the loop until command id has ended (or the sandbox has). */
static void wait_for(struct box *b, unsigned id)
{
	struct pollfd p = {.fd = al_sandbox_fd(b->sb), .events = POLLIN};
	while (!b->cmds[id].exited && !b->ended)
		if (poll(&p, 1, 600000) <= 0 || al_sandbox_handle(b->sb) == 1)
			break;
}

static void wait_end(struct box *b)
{
	struct pollfd p = {.fd = al_sandbox_fd(b->sb), .events = POLLIN};
	while (!b->ended && poll(&p, 1, 600000) > 0)
		al_sandbox_handle(b->sb);
}

static unsigned run(struct box *b, const char *script)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	al_error err = {0};
	unsigned id;
	if (al_sandbox_exec(b->sb, argv, NULL, &id, &err) < 0)
		die("exec", &err);
	wait_for(b, id);
	return id;
}

static al_sandbox *start(al_ctx *ctx, struct box *b, const char *key, const char *value)
{
	al_config *cfg = test_config(ctx, NULL);
	al_error err = {0};
	if (al_config_set(cfg, "keep", NULL, &err) < 0 || (key && al_config_set(cfg, key, value, &err) < 0) ||
	    al_sandbox_start(ctx, cfg, on_event, b, &b->sb, &err) < 0)
		die("start a kept sandbox", &err);
	al_config_free(cfg);
	return b->sb;
}

static struct box box, timed, doomed;

int main(void)
{
	al_ctx *ctx;
	al_error err = {0};
	unsigned id;

	if (al_ctx_new(&ctx, &err) < 0)
		die("context", &err);
	start(ctx, &box, NULL, NULL);
	CHECK(box.started == 1, "a kept sandbox starts without a first command");
	char *features = al_ctx_features(ctx);
	CHECK(features && strstr(features, "\"landlock_abi\"") && strstr(features, "\"cgroup\""),
	      "the context's features, without a sandbox");
	free(features);

	id = run(&box, "echo one; echo two >&2");
	CHECK(id == 1 && box.cmds[1].exited == 1 && box.cmds[1].code == 0 && box.cmds[1].olen == 4 &&
		  memcmp(box.cmds[1].out, "one\n", 4) == 0 && box.cmds[1].elen == 4,
	      "a command in a kept sandbox: its own stdout, stderr and status");
	const char *wc[] = {"/bin/sh", "-c", "wc -c; echo $GREETING", NULL};
	const char *env[] = {"GREETING=hi", "PATH=/usr/bin:/bin", NULL};
	if (al_sandbox_exec_input(box.sb, wc, env, "12345", 5, &id, &err) < 0)
		die("exec with input", &err);
	wait_for(&box, id);
	CHECK(strcmp(box.cmds[id].out, "5\nhi\n") == 0, "a command's own stdin and environment (%s)",
	      box.cmds[id].out);
	id = run(&box, "exit 7");
	CHECK(box.cmds[id].code == 7 && strcmp(box.cmds[id].status, "exited") == 0, "its own exit code (7)");
	id = run(&box, "kill -TERM $$");
	CHECK(box.cmds[id].sig == SIGTERM && box.cmds[id].code == 128 + SIGTERM &&
		  strcmp(box.cmds[id].status, "signaled") == 0,
	      "its own signal (TERM)");
	id = run(&box, "echo $$ > pid; cat /proc/1/cmdline | tr '\\0' ' '");
	CHECK(box.cmds[id].code == 0 && strstr(box.cmds[id].out, "airlock-init"),
	      "the same init (pid 1) as before");

	/* Files in and out of the workspace. */
	static char data[256000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	if (al_sandbox_put_file(box.sb, "data.bin", data, sizeof(data), 04755, &id, &err) < 0)
		die("put", &err);
	wait_for(&box, id);
	CHECK(box.cmds[id].code == 0, "a file put into the workspace");
	id = run(&box, "wc -c < data.bin; stat -c %a data.bin");
	CHECK(strcmp(box.cmds[id].out, "256000\n755\n") == 0,
	      "a later command sees it, without its set-uid bit (%s)", box.cmds[id].out);
	if (al_sandbox_get_file(box.sb, "data.bin", &id, &err) < 0)
		die("get", &err);
	wait_for(&box, id);
	CHECK(box.cmds[id].code == 0 && box.cmds[id].olen == sizeof(data) &&
		  memcmp(box.cmds[id].out, data, sizeof(data)) == 0,
	      "the file read back out, byte for byte");
	if (al_sandbox_put_file(box.sb, "new/dirs/f.txt", "x", 1, 0600, &id, &err) < 0)
		die("put", &err);
	wait_for(&box, id);
	CHECK(box.cmds[id].code == 0, "a file put with its parent directories made");
	if (al_sandbox_get_file(box.sb, "missing", &id, &err) < 0)
		die("get", &err);
	wait_for(&box, id);
	CHECK(box.cmds[id].code == 1 && strstr(box.cmds[id].err, "missing"),
	      "a missing file: exit 1, and why");

	/* Snapshot, change, restore. */
	run(&box, "mkdir -p sub/dir && echo deep > sub/dir/f && ln -sf sub/dir/f link");
	unsigned snap;
	if (al_sandbox_snapshot(box.sb, &snap, &err) < 0)
		die("snapshot", &err);
	wait_for(&box, snap);
	CHECK(box.cmds[snap].code == 0 && box.cmds[snap].olen > sizeof(data),
	      "a snapshot of the workspace (%zu bytes)", box.cmds[snap].olen);
	id = run(&box, "rm -rf data.bin sub link new && echo new > other");
	if (al_sandbox_restore(box.sb, box.cmds[snap].out, box.cmds[snap].olen, &id, &err) < 0)
		die("restore", &err);
	wait_for(&box, id);
	CHECK(box.cmds[id].code == 0, "the snapshot restored (%.*s)", (int)box.cmds[id].elen,
	      box.cmds[id].err);
	id = run(&box, "test ! -e other && cmp -s sub/dir/f link && wc -c < data.bin && readlink link");
	CHECK(strcmp(box.cmds[id].out, "256000\nsub/dir/f\n") == 0, "the workspace is as it was (%s)",
	      box.cmds[id].out);
	const char bad[] = "ALSNAP1\nf\x24\x01\0\0\x06\0\0\0\x01\0\0\0\0\0\0\0../../etc/x";
	if (al_sandbox_restore(box.sb, bad, sizeof(bad) - 1, &id, &err) < 0)
		die("restore", &err);
	wait_for(&box, id);
	CHECK(box.cmds[id].code == 1 && strstr(box.cmds[id].err, "leaves the workspace"),
	      "an archive with a path out of the workspace is refused");

	/* The containment tail, through a later command. */
	id = run(&box,
		 "grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t' ' '");
	CHECK(strcmp(box.cmds[id].out, "CapPrm: 0000000000000000\nCapEff: 0000000000000000\n"
				       "CapBnd: 0000000000000000\nNoNewPrivs: 1\nSeccomp: 2\n") == 0,
	      "a later command has no capabilities, no_new_privs and seccomp (%s)", box.cmds[id].out);
	id = run(&box, "unshare -U true");
	CHECK(box.cmds[id].code != 0 && box.cmds[id].violations >= 1 &&
		  strcmp(box.cmds[id].syscall, "unshare") == 0,
	      "a later command's denied call is reported as its own violation");
	id = run(&box, "cat /proc/self/attr/current >/dev/null; echo x > /etc/hostname || echo refused");
	CHECK(strstr(box.cmds[id].out, "refused") != NULL, "a later command cannot write outside its binds");
	/* Signals: one command alone. */
	const char *sleeper[] = {"sleep", "600", NULL};
	if (al_sandbox_exec(box.sb, sleeper, NULL, &id, &err) < 0)
		die("exec", &err);
	unsigned after = run(&box, "echo still");
	CHECK(box.cmds[after].code == 0 && !box.cmds[id].exited, "commands run side by side");
	CHECK(al_sandbox_kill(box.sb, id, SIGKILL) == 0, "a command killed on request");
	wait_for(&box, id);
	CHECK(box.cmds[id].sig == SIGKILL, "it ended by that signal alone");
	id = run(&box, "echo alive");
	CHECK(box.cmds[id].code == 0 && strcmp(box.cmds[id].out, "alive\n") == 0,
	      "the sandbox goes on after it");
	al_sandbox_end(box.sb);
	wait_end(&box);
	CHECK(box.ended == 1, "ended on request");
	CHECK(al_sandbox_exec(box.sb, sleeper, NULL, &id, &err) < 0, "no command after the end: %s", err.msg);
	al_sandbox_free(box.sb);

	/* A time limit per command; the sandbox stays. */
	start(ctx, &timed, "time", "0.5");
	id = run(&timed, "sleep 600");
	CHECK(strcmp(timed.cmds[id].status, "timeout") == 0 && strstr(timed.limits, "time"),
	      "a command over its time limit ends as timeout (%s)", timed.cmds[id].status);
	id = run(&timed, "echo next");
	CHECK(timed.cmds[id].code == 0, "and the next one runs");
	al_sandbox_free(timed.sb); /* freed while running: the context finishes it */

	/* The deadline ends the sandbox, and every command still in it. */
	start(ctx, &doomed, "deadline", "0.5");
	if (al_sandbox_exec(doomed.sb, sleeper, NULL, &id, &err) < 0)
		die("exec", &err);
	wait_end(&doomed);
	CHECK(doomed.ended == 1 && strcmp(doomed.status, "timeout") == 0 &&
		  strstr(doomed.limits, "deadline") && doomed.cmds[id].exited == 1,
	      "the deadline ends a kept sandbox and its commands (%s, %s)", doomed.status, doomed.limits);
	al_sandbox_free(doomed.sb);

	/* Kept, with a first command and a time limit: the first runs with
	 * the sandbox (command 0, its own clock), a later one after it. */
	static struct box firstly;
	const char *hello[] = {"/bin/sh", "-c", "echo first", NULL};
	al_config *fc = test_config(ctx, hello);
	if (al_config_set(fc, "keep", NULL, &err) < 0 || al_config_set(fc, "time", "30", &err) < 0 ||
	    al_sandbox_start(ctx, fc, on_event, &firstly, &firstly.sb, &err) < 0)
		die("start a kept sandbox with a first command and a time limit", &err);
	al_config_free(fc);
	wait_for(&firstly, 0);
	CHECK(firstly.cmds[0].exited == 1 && firstly.cmds[0].code == 0 &&
		  strcmp(firstly.cmds[0].out, "first\n") == 0,
	      "a kept sandbox's first command, under a time limit, is command 0 (%s)", firstly.cmds[0].out);
	id = run(&firstly, "echo second");
	CHECK(id == 1 && strcmp(firstly.cmds[1].out, "second\n") == 0, "and a second command follows it");
	al_sandbox_end(firstly.sb);
	wait_end(&firstly);
	al_sandbox_free(firstly.sb);

	/* stdin-pipe: the first command reads what the caller writes, to
	 * the end of file the caller's close gives; a waiting command's clock
	 * and output count start again on request. */
	static struct box piped;
	const char *cat[] = {"/bin/sh", "-c", "printf ready; cat; echo; echo done", NULL};
	al_config *pc = test_config(ctx, cat);
	if (al_config_set(pc, "keep", NULL, &err) < 0 || al_config_set(pc, "stdin-pipe", NULL, &err) < 0 ||
	    al_sandbox_start(ctx, pc, on_event, &piped, &piped.sb, &err) < 0)
		die("start a kept sandbox with a stdin pipe", &err);
	al_config_free(pc);
	int in = al_sandbox_take_stdin(piped.sb);
	CHECK(in >= 0 && al_sandbox_take_stdin(piped.sb) == -1, "the stdin pipe is taken once (%d)", in);
	CHECK(al_sandbox_restart_clock(piped.sb, 0) == 0, "a running command's clock restarted");
	CHECK(in >= 0 && write(in, "from the caller", 15) == 15, "written into the first command's stdin");
	if (in >= 0)
		close(in);
	wait_for(&piped, 0);
	CHECK(piped.cmds[0].code == 0 && strcmp(piped.cmds[0].out, "readyfrom the caller\ndone\n") == 0,
	      "the first command read the pipe to its end (%s)", piped.cmds[0].out);
	CHECK(al_sandbox_restart_clock(piped.sb, 0) < 0, "no clock for a command that has ended");
	/* The report as it stands, before the end: what ENDED will say, with
	 * the cgroup's figures now (without a cgroup, refused: its figures
	 * come with init's reaping). */
	al_error nerr = {0};
	char *now = al_sandbox_report_now(piped.sb, &nerr);
	if (now)
		CHECK(strstr(now, "\"status\": \"exited\"") && strstr(now, "\"cpu_ms\": ") && !piped.ended &&
			  !strstr(now, "\"cgroup\": \"none\""),
		      "a report before the end, with the cgroup's figures (%.120s)", now);
	else
		CHECK(strstr(nerr.msg, "no cgroup") != NULL, "no report before the end without a cgroup (%s)",
		      nerr.msg);
	free(now);
	al_sandbox_end(piped.sb);
	wait_end(&piped);
	now = al_sandbox_report_now(piped.sb, &nerr);
	char *final = al_sandbox_report(piped.sb);
	CHECK(now && final && strcmp(now, final) == 0, "after the end, the report now is the sandbox's report");
	free(now);
	free(final);
	al_sandbox_free(piped.sb);
	al_config *clash = test_config(ctx, cat);
	CHECK(al_config_set(clash, "stdin-pipe", NULL, &err) == 0 && al_config_set(clash, "tty", NULL, &err) == 0 &&
		  al_config_check(clash, &err) < 0 && strstr(err.msg, "stdin-pipe"),
	      "stdin-pipe with a terminal is refused (%s)", err.msg);
	al_config_free(clash);

	/* Not kept: no second command. */
	const char *argv[] = {"true", NULL};
	al_config *cfg = test_config(ctx, argv);
	static struct box once;
	if (al_sandbox_start(ctx, cfg, on_event, &once, &once.sb, &err) < 0)
		die("start", &err);
	CHECK(al_sandbox_exec(once.sb, argv, NULL, &id, &err) < 0 && strstr(err.msg, "keep"),
	      "a sandbox that is not kept refuses a second command");
	wait_end(&once);
	al_sandbox_free(once.sb);
	al_config_free(cfg);
	al_ctx_free(ctx);
	return failures ? 1 : 0;
}
