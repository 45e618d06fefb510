/* airlock serve: the HTTP/JSON service (src/service/), one process, one
 * event loop. Only its options are here. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../service/service.h"
#include "../util.h"
#include "cli.h"

static const char serve_help[] =
    "usage: airlock serve [--listen unix:PATH]... [--listen tcp:HOST:PORT]... [--config FILE]\n"
    "  --listen unix:PATH    a unix socket, mode 0600 (default unix:/run/airlock/airlock.sock)\n"
    "  --listen tcp:HOST:PORT  a TCP listener (needs --config: bearer tokens); port 0: any free port\n"
    "  --config FILE         tenants, tokens (SHA-256), quotas, ceilings (JSON); SIGHUP reloads it\n"
    "  --tls-cert FILE --tls-key FILE  TCP listeners speak TLS with this certificate and key (PEM)\n"
    "  --allow-degraded      run sandboxes with rlimits only when cgroups cannot be made\n"
    "  --max-body SIZE       largest request body (default 16M)\n"
    "  --max-sandboxes N     sandboxes at once, sessions included (default 32)\n"
    "  --queue N             one-shot runs that may wait for a sandbox (default 64); more: 503\n"
    "  --client-timeout SECONDS  close a connection silent this long (default 30)\n"
    "  --drain-timeout SECONDS   SIGTERM: how long running work may finish (default 30)\n"
    "  --audit-log FILE      append a hash-chained record of every action (airlock audit verify)\n"
    "  --audit-key KEY       its signing key (airlock audit keygen; mode 0600, else refused)\n"
    "  --audit-checkpoint-records N  a signed checkpoint every N records (default 1000)\n"
    "  --audit-checkpoint-seconds T  and every T seconds while records are unsealed (default 60)\n"
    "  --audit-max-size SIZE rotate the log to FILE.<seq> past SIZE\n"
    "  --audit-syslog        copy every record to syslog (authpriv)\n"
    "logs: one line per event on stderr (ts=... level=... event=... key=value)\n";

enum {
	OPT_LISTEN = 256,
	OPT_CONFIG,
	OPT_DEGRADED,
	OPT_MAX_BODY,
	OPT_MAX_SANDBOXES,
	OPT_QUEUE,
	OPT_CLIENT_TIMEOUT,
	OPT_DRAIN_TIMEOUT,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_AUDIT_LOG,
	OPT_AUDIT_KEY,
	OPT_AUDIT_RECORDS,
	OPT_AUDIT_SECONDS,
	OPT_AUDIT_MAX_SIZE,
	OPT_AUDIT_SYSLOG,
	OPT_HELP
};

static const struct option options[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"allow-degraded", no_argument, NULL, OPT_DEGRADED},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"max-sandboxes", required_argument, NULL, OPT_MAX_SANDBOXES},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT},
    {"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"audit-log", required_argument, NULL, OPT_AUDIT_LOG},
    {"audit-key", required_argument, NULL, OPT_AUDIT_KEY},
    {"audit-checkpoint-records", required_argument, NULL, OPT_AUDIT_RECORDS},
    {"audit-checkpoint-seconds", required_argument, NULL, OPT_AUDIT_SECONDS},
    {"audit-max-size", required_argument, NULL, OPT_AUDIT_MAX_SIZE},
    {"audit-syslog", no_argument, NULL, OPT_AUDIT_SYSLOG},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int bad(const char *option, const struct al_error *err)
{
	fprintf(stderr, "airlock serve: --%s: %s\n", option, err->msg);
	return 2;
}

int cli_serve(int argc, char **argv)
{
	struct svc_options o = {.max_body = 16 << 20,
				.max_sandboxes = 32,
				.max_queue = 64,
				.client_timeout = 30,
				.drain_timeout = 30};
	struct al_error err = {0};
	uint64_t n;
	int opt, idx;

	while ((opt = getopt_long(argc, argv, "+", options, &idx)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (o.nlisten == SVC_MAX_LISTEN) {
				fprintf(stderr, "airlock serve: at most %d --listen\n", SVC_MAX_LISTEN);
				return 2;
			}
			o.listen[o.nlisten++] = optarg;
			break;
		case OPT_CONFIG:
			o.config = optarg;
			break;
		case OPT_DEGRADED:
			o.allow_degraded = true;
			break;
		case OPT_TLS_CERT:
			o.tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o.tls_key = optarg;
			break;
		case OPT_MAX_BODY:
			if (al_parse_size(optarg, &o.max_body, &err) < 0 || o.max_body < 1024 ||
			    o.max_body > (1ULL << 30))
				return bad("max-body", err.msg[0] ? &err : &(struct al_error){0, "1K to 1G"});
			break;
		case OPT_MAX_SANDBOXES:
		case OPT_QUEUE:
		case OPT_CLIENT_TIMEOUT:
		case OPT_DRAIN_TIMEOUT:
			if (al_parse_uint(optarg, opt == OPT_QUEUE ? 0 : 1, 100000, &n, &err) < 0)
				return bad(options[idx].name, &err);
			*(opt == OPT_MAX_SANDBOXES    ? &o.max_sandboxes
			  : opt == OPT_QUEUE	      ? &o.max_queue
			  : opt == OPT_CLIENT_TIMEOUT ? &o.client_timeout
						      : &o.drain_timeout) = (unsigned)n;
			break;
		case OPT_AUDIT_LOG:
			o.audit_log = optarg;
			break;
		case OPT_AUDIT_KEY:
			o.audit_key = optarg;
			break;
		case OPT_AUDIT_RECORDS:
		case OPT_AUDIT_SECONDS:
			if (al_parse_uint(optarg, 1, 1000000, &n, &err) < 0)
				return bad(options[idx].name, &err);
			*(opt == OPT_AUDIT_RECORDS ? &o.audit_records : &o.audit_seconds) = (unsigned)n;
			break;
		case OPT_AUDIT_MAX_SIZE:
			if (al_parse_size(optarg, &o.audit_max_size, &err) < 0 || o.audit_max_size < 4096)
				return bad("audit-max-size", err.msg[0] ? &err : &(struct al_error){0, "at least 4K"});
			break;
		case OPT_AUDIT_SYSLOG:
			o.audit_syslog = true;
			break;
		case OPT_HELP:
			fputs(serve_help, stdout);
			return 0;
		default:
			fputs(serve_help, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "airlock serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return svc_main(&o);
}
