/* airlock audit keygen|verify|show: the audit log's keys, its check, and a
 * reading of it for people (src/audit/audit.h has the format). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../audit/audit.h"
#include "cli.h"

static const char audit_help[] =
    "usage: airlock audit keygen KEY\n"
    "         writes KEY (the secret key, mode 0600) and KEY.pub\n"
    "       airlock audit verify [--partial] --key KEY.pub LOG [LOG...]\n"
    "         checks the chain and the checkpoints' signatures; several LOGs: the\n"
    "         rotated files, oldest first. --partial: the first file need not begin\n"
    "         the chain (its earlier files are gone)\n"
    "       airlock audit show [--tenant T] [--since TIME] [--action A] LOG [LOG...]\n"
    "exit status (verify): 0 intact and sealed; 1 tampered, or records after the last\n"
    "checkpoint (a crash or a cut log); 2 usage or unreadable input\n";

/* Lines of a file, each at most AUDIT_LINE_MAX bytes: fn(line, len, lineno,
 * complete) for each; complete is false for a last line without its newline.
 * Returns fn's first non-zero, or 0; -2 if the file cannot be read. */
typedef int (*line_fn)(void *user, const char *file, char *line, size_t len, unsigned long lineno,
		       bool complete);
static int each_line(const char *file, line_fn fn, void *user)
{
	FILE *f = fopen(file, "re");
	if (!f) {
		fprintf(stderr, "airlock audit: %s: %s\n", file, strerror(errno));
		return -2;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int r = 0;
	while (r == 0 && (n = getdelim(&line, &cap, '\n', f)) > 0) {
		lineno++;
		bool complete = line[n - 1] == '\n';
		if (complete)
			line[--n] = '\0';
		if ((size_t)n > AUDIT_LINE_MAX)
			n = AUDIT_LINE_MAX + 1; /* refused as too long by the verifier */
		r = fn(user, file, line, (size_t)n, lineno, complete);
	}
	if (r == 0 && ferror(f)) {
		fprintf(stderr, "airlock audit: %s: %s\n", file, strerror(errno));
		r = -2;
	}
	free(line);
	fclose(f);
	return r;
}

static int keygen(int argc, char **argv)
{
	if (argc != 2) {
		fputs(audit_help, stderr);
		return 2;
	}
	struct al_error err = {0};
	char buf[512];
	if (audit_keygen(argv[1], &err) < 0) {
		fprintf(stderr, "airlock audit keygen: %s\n", al_error_text(&err, buf, sizeof(buf)));
		return 1;
	}
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char id[AUDIT_KEY_ID_LEN + 1], *pub = NULL;
	if (asprintf(&pub, "%s.pub", argv[1]) < 0 || audit_load_public(pub, pk, &err) < 0) {
		free(pub);
		return 1;
	}
	audit_key_id(pk, id);
	printf("wrote %s (secret, 0600) and %s; key id %s\n", argv[1], pub, id);
	free(pub);
	return 0;
}

struct vstate {
	struct audit_verify v;
	const char *bad_file;
};

/* The seq a refused line claims, for the message ("?" if none). */
static void claimed_seq(const char *line, size_t len, char out[24])
{
	json_t *o = json_loadb(line, len, 0, NULL);
	json_t *s = json_object_get(o, "seq");
	if (json_is_integer(s))
		snprintf(out, 24, "%lld", (long long)json_integer_value(s));
	else
		strcpy(out, "?");
	json_decref(o);
}

static int verify_one(void *user, const char *file, char *line, size_t len, unsigned long lineno,
		      bool complete)
{
	struct vstate *s = user;
	char seq[24];
	claimed_seq(line, len, seq);
	if (!complete) {
		printf(
		    "%s:%lu: seq %s: an incomplete last line (no newline: the writer stopped mid-record)\n",
		    file, lineno, seq);
		printf("FAILED: line %lu (seq %s) of %s\n", lineno, seq, file);
		return 1;
	}
	if (audit_verify_line(&s->v, line, len, file, lineno) < 0) {
		printf("%s:%lu: seq %s: %s\n", file, lineno, seq, s->v.err);
		printf("FAILED: line %lu (seq %s) of %s\n", lineno, seq, file);
		return 1;
	}
	return 0;
}

static int verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'}, {"partial", no_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
	const char *key = NULL;
	bool partial = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (opt == 'k')
			key = optarg;
		else if (opt == 'p')
			partial = true;
		else
			return fputs(audit_help, stderr), 2;
	}
	if (!key || optind >= argc) {
		fputs(audit_help, stderr);
		return 2;
	}
	struct al_error err = {0};
	char buf[512];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	if (audit_load_public(key, pk, &err) < 0) {
		fprintf(stderr, "airlock audit verify: %s\n", al_error_text(&err, buf, sizeof(buf)));
		return 2;
	}
	struct vstate s;
	audit_verify_init(&s.v, pk);
	for (int i = optind; i < argc; i++) {
		int r = each_line(argv[i], verify_one, &s);
		if (r == -2)
			return 2;
		if (r)
			return 1;
		if (i == optind && s.v.started && s.v.first_seq != 1 && !partial) {
			printf("%s:1: seq %llu: the log does not begin the chain (seq 1): a record removed "
			       "from its "
			       "head, or an earlier file missing (give it, or --partial)\n",
			       argv[i], (unsigned long long)s.v.first_seq);
			printf("FAILED: line 1 (seq %llu) of %s\n", (unsigned long long)s.v.first_seq,
			       argv[i]);
			return 1;
		}
	}
	if (!s.v.started) {
		printf("%s: empty\n", argv[optind]);
		return 1;
	}
	if (s.v.tail_seq) {
		printf("%s:%lu: seq %llu: the unsealed tail begins here: %llu record(s) after the last "
		       "checkpoint "
		       "(a crash, the log cut after its checkpoint was removed, or a writer still running)\n",
		       s.v.tail_file, s.v.tail_line, (unsigned long long)s.v.tail_seq,
		       (unsigned long long)s.v.since_checkpoint);
		printf("FAILED: unsealed from line %lu (seq %llu) of %s\n", s.v.tail_line,
		       (unsigned long long)s.v.tail_seq, s.v.tail_file);
		return 1;
	}
	printf("OK: seq %llu..%llu, %llu record(s), %llu checkpoint(s), key %s%s\n",
	       (unsigned long long)s.v.first_seq, (unsigned long long)s.v.seq,
	       (unsigned long long)s.v.records, (unsigned long long)s.v.checkpoints, s.v.key_id,
	       s.v.shutdown ? "" : "; the last checkpoint is not a shutdown's (the writer may still run)");
	return 0;
}

struct filter {
	const char *tenant, *since, *action;
};

static void show_value(const char *k, json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		printf(" %s=%s", k, strpbrk(s, " \t\"") || !*s ? "" : s);
		if (strpbrk(s, " \t\"") || !*s) {
			char *q = json_dumps(v, JSON_ENCODE_ANY);
			printf("%s", q ? q : "");
			free(q);
		}
		return;
	}
	char *q =
	    json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	printf(" %s=%s", k, q ? q : "?");
	free(q);
}

static int show_one(void *user, const char *file, char *line, size_t len, unsigned long lineno, bool complete)
{
	const struct filter *f = user;
	(void)complete;
	json_t *o = json_loadb(line, len, 0, NULL);
	if (!json_is_object(o)) {
		printf("%s:%lu: (not a record)\n", file, lineno);
		json_decref(o);
		return 0;
	}
	const char *time = json_string_value(json_object_get(o, "time"));
	const char *action = json_string_value(json_object_get(o, "action"));
	const char *tenant = json_string_value(json_object_get(o, "tenant"));
	if ((f->tenant && (!tenant || strcmp(tenant, f->tenant) != 0)) ||
	    (f->action && (!action || strcmp(action, f->action) != 0)) ||
	    (f->since && (!time || strcmp(time, f->since) < 0))) {
		json_decref(o);
		return 0;
	}
	printf("%-6lld %s %s", (long long)json_integer_value(json_object_get(o, "seq")), time ? time : "?",
	       action ? action : "?");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "seq") && strcmp(k, "time") && strcmp(k, "action") && strcmp(k, "prev") &&
		    strcmp(k, "sig"))
			show_value(k, v);
	}
	putchar('\n');
	json_decref(o);
	return 0;
}

static int show(int argc, char **argv)
{
	static const struct option opts[] = {{"tenant", required_argument, NULL, 't'},
					     {"since", required_argument, NULL, 's'},
					     {"action", required_argument, NULL, 'a'},
					     {NULL, 0, NULL, 0}};
	struct filter f = {0};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (opt == 't')
			f.tenant = optarg;
		else if (opt == 's')
			f.since = optarg; /* RFC 3339 UTC, or a prefix of one: compared as text */
		else if (opt == 'a')
			f.action = optarg;
		else
			return fputs(audit_help, stderr), 2;
	}
	if (optind >= argc) {
		fputs(audit_help, stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (each_line(argv[i], show_one, &f) == -2)
			return 2;
	return 0;
}

int cli_audit(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(audit_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return show(argc - 1, argv + 1);
	fprintf(stderr, "airlock audit: unknown command '%s'\n", argv[1]);
	fputs(audit_help, stderr);
	return 2;
}
