#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "../version.h"
#include "cli.h"
#include "log.h"
#include "trace.h"

static void usage(FILE *f)
{
	fputs("usage: airlock run [OPTIONS] -- COMMAND [ARG...]\n"
	      "       airlock learn [OPTIONS] --output-profile FILE -- COMMAND [ARG...]\n"
	      "       airlock profile show NAME | profile check FILE | profile list\n"
	      "       airlock scan [--json] [--allow MODULE.NAME]... PATH...\n"
	      "       airlock serve [--listen unix:PATH|tcp:HOST:PORT]... [--config FILE]\n"
	      "       airlock audit keygen KEY | audit verify --key KEY.pub LOG... | audit show LOG...\n"
	      "       airlock mcp [--socket PATH | --url http://HOST:PORT] [--profile NAME]\n"
	      "       airlock --version\n"
	      "run 'airlock run --help' for the options; man doc/airlock.1 for all of it\n",
	      f);
}

/* The release binary is a static PIE (no dynamic loader on the launch
 * path), and libmicrohttpd needs GnuTLS, which Debian ships only as a
 * shared library (its p11-kit and libunistring have no .a): the service is
 * build/airlock-serve, this same program linked dynamically, installed
 * beside it. `airlock serve` runs it. */
static int serve_elsewhere(char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("airlock serve: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	snprintf(path, sizeof(path), "%.*s/airlock-serve", slash ? (int)(slash - self) : 1,
		 slash ? self : ".");
	execv(path, argv);
	fprintf(stderr,
		"airlock serve: %s: %s (the service is a binary of its own: make build/airlock-serve)\n",
		path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
#ifdef AIRLOCK_TRACE
	al_trace_open();
	AL_TRACE("sup: main");
#endif
	/* jansson seeds its hashes from /dev/urandom (open, read, close) when
	 * the first object is made: one getrandom call does it here. */
	uint32_t seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		json_object_seed(seed | 1);
	/* airlock-oci is this program under another name (a link). */
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (strcmp(base, "airlock-oci") == 0)
		return cli_oci(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return cli_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "learn") == 0)
		return cli_learn(argc - 1, argv + 1);
	if (strcmp(argv[1], "profile") == 0)
		return cli_profile(argc - 1, argv + 1);
	if (strcmp(argv[1], "scan") == 0)
		return cli_scan(argc - 1, argv + 1);
	if (strcmp(argv[1], "audit") == 0)
		return cli_audit(argc - 1, argv + 1);
	if (strcmp(argv[1], "mcp") == 0)
		return cli_mcp(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return cli_serve ? cli_serve(argc - 1, argv + 1) : serve_elsewhere(argv);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		const struct scmp_version *v = seccomp_version();
		printf("airlock %s (libseccomp %u.%u.%u, jansson %s)\n", AIRLOCK_VERSION, v->major, v->minor,
		       v->micro, jansson_version_str());
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "airlock: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
