/* airlock scan [--json] [--allow MODULE.NAME]... [--include GLOB]...
 *              [--exclude GLOB]... PATH...
 * Exit status: 0 all safe (files that are no model format are skipped and
 * do not count), 1 anything dangerous or unknown, 2 a file could not be read
 * or fully parsed (and nothing worse was found), or bad usage (one line). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <airlock/scan.h>

#include "../audit/audit.h"
#include "cli.h"

struct run {
	bool json;
	struct audit *audit; /* --audit-log: a record per file's verdict */
	int audit_failed;
	json_t *files;
	size_t counts[4];
	size_t skipped;
};

static void print_text(const al_scan_result *r)
{
	const char *path = al_scan_result_path(r), *skipped = al_scan_result_skipped(r);
	const char *error = al_scan_result_error(r);

	if (skipped) {
		printf("%s: skipped (%s)\n", path, skipped);
		return;
	}
	printf("%s: %s (%s)\n", path, al_scan_verdict_name(al_scan_result_verdict(r)),
	       al_scan_result_format(r));
	for (size_t k = 0; k < al_scan_result_nglobals(r); k++) {
		const al_scan_global *g = al_scan_result_global(r, k);
		const char *member = al_scan_global_member(g), *reason = al_scan_global_reason(g);
		if (al_scan_global_verdict(g) == AL_SCAN_SAFE)
			continue;
		printf("  %s: %s.%s (%s at offset %llu%s%s%s)%s%s\n",
		       al_scan_verdict_name(al_scan_global_verdict(g)), al_scan_global_module(g),
		       al_scan_global_name(g), al_scan_global_opcode(g),
		       (unsigned long long)al_scan_global_offset(g), member ? " in " : "",
		       member ? member : "", al_scan_global_called(g) ? ", called" : "", reason ? ": " : "",
		       reason ? reason : "");
	}
	for (size_t k = 0; k < al_scan_result_nissues(r); k++) {
		const al_scan_issue *i = al_scan_result_issue(r, k);
		const char *member = al_scan_issue_member(i);
		enum al_scan_verdict v = al_scan_issue_verdict(i);
		printf("  %s: %s%s%s\n", v == AL_SCAN_SAFE ? "note" : al_scan_verdict_name(v),
		       al_scan_issue_what(i), member ? " in " : "", member ? member : "");
	}
	if (error)
		printf("  error: %s\n", error);
	if (al_scan_result_globals_seen(r) > al_scan_result_nglobals(r))
		printf("  (%zu globals judged, %zu listed)\n", al_scan_result_globals_seen(r),
		       al_scan_result_nglobals(r));
}

/* The document holds each file's object as the library writes it. */
static void add_json(struct run *run, const al_scan_result *r)
{
	char *text = al_scan_result_json(r);
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	if (!o)
		o = json_pack("{s:s, s:s, s:s}", "path", "?", "verdict", "error", "error", "out of memory");
	json_array_append_new(run->files, o);
	free(text);
}

/* The verdict's audit record: the file by path, SHA-256 and size, and the
 * globals that were not safe. */
static void audit_result(struct run *run, const al_scan_result *r)
{
	const char *path = al_scan_result_path(r), *skipped = al_scan_result_skipped(r);
	uint64_t size = 0;
	json_t *sha = audit_file_sha256_json(path, &size), *globals = json_array();
	for (size_t k = 0; k < al_scan_result_nglobals(r) && json_array_size(globals) < 64; k++) {
		const al_scan_global *g = al_scan_result_global(r, k);
		if (al_scan_global_verdict(g) == AL_SCAN_SAFE)
			continue;
		json_array_append_new(globals, json_pack("{s:s,s:s,s:s}", "global", al_scan_global_name(g), "module",
							 al_scan_global_module(g), "verdict",
							 al_scan_verdict_name(al_scan_global_verdict(g))));
	}
	json_t *f = json_pack("{s:s,s:o?,s:I,s:s,s:s?,s:s?,s:o}", "path", path, "sha256", sha, "size",
			      (json_int_t)size, "verdict",
			      skipped ? "skipped" : al_scan_verdict_name(al_scan_result_verdict(r)), "format",
			      skipped ? NULL : al_scan_result_format(r), "error", al_scan_result_error(r), "globals",
			      globals);
	json_object_set_new(f, "caller_uid", json_integer((json_int_t)getuid()));
	struct al_error err = {0};
	char buf[600];
	if (audit_record(run->audit, "scan_verdict", f, &err) < 0 && !run->audit_failed++)
		fprintf(stderr, "airlock scan: audit log: %s\n", al_error_text(&err, buf, sizeof(buf)));
}

static void on_result(const al_scan_result *r, void *arg)
{
	struct run *run = arg;
	if (run->audit)
		audit_result(run, r);
	if (al_scan_result_skipped(r))
		run->skipped++;
	else
		run->counts[al_scan_result_verdict(r)]++;
	if (run->json)
		add_json(run, r);
	else
		print_text(r);
}

/* A PATH that cannot be opened counts as a file that could not be read. */
static void on_open_error(struct run *run, const char *path, int errnum)
{
	run->counts[AL_SCAN_ERROR]++;
	if (run->json) {
		char msg[600];
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errnum));
		json_array_append_new(run->files,
				      json_pack("{s:s, s:s, s:s, s:s, s:[], s:i, s:[]}", "path", path,
						"format", "unknown", "verdict", "error", "error", msg,
						"globals", "globals_seen", 0, "issues"));
	} else {
		printf("%s: error (unknown)\n  error: %s: %s\n", path, path, strerror(errnum));
	}
}

static void usage(FILE *f)
{
	fputs(
	    "usage: airlock scan [--json] [--allow MODULE.NAME]... [--include GLOB]... [--exclude GLOB]... "
	    "PATH...\n"
	    "  --json               one JSON document: per file its format, verdict, globals, issues\n"
	    "  --allow MODULE.NAME  also accept this global (or MODULE.* for a whole module);\n"
	    "                       repeatable; known-dangerous globals stay dangerous\n"
	    "  --include GLOB       in directories, scan only files whose path below the directory\n"
	    "                       or base name matches (repeatable)\n"
	    "  --exclude GLOB       in directories, leave out files and directories that match (repeatable)\n"
	    "  --audit-log FILE --audit-key KEY  append each file's verdict to this audit log\n"
	    "files that are no model format (text, JSON, ...) are reported as skipped\n"
	    "exit status: 0 all safe, 1 something dangerous or unknown, 2 a file could not be parsed\n"
	    "             or bad usage\n",
	    f);
}

/* Bad usage: one line on stderr, exit 2. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("airlock scan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (airlock scan --help)\n", stderr);
	return 2;
}

int cli_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},	       {"allow", required_argument, NULL, 'a'},
	    {"include", required_argument, NULL, 'i'}, {"exclude", required_argument, NULL, 'x'},
	    {"help", no_argument, NULL, 'h'},	       {"audit-log", required_argument, NULL, 'L'},
	    {"audit-key", required_argument, NULL, 'K'}, {0},
	};
	al_scan_options *opt = al_scan_options_new();
	struct run run = {0};
	int c, rc = 2;
	const char *audit_log = NULL, *audit_key = NULL;

	if (!opt) {
		fputs("airlock scan: out of memory\n", stderr);
		return 2;
	}
	optind = 1;
	opterr = 0; /* usage_error says it, in one line */
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			run.json = true;
			break;
		case 'a':
			if (al_scan_options_allow(opt, optarg) < 0) {
				rc = errno == EINVAL
					 ? usage_error("--allow %s: want MODULE.NAME or MODULE.*", optarg)
					 : usage_error("--allow %s: %s", optarg, strerror(errno));
				goto out;
			}
			break;
		case 'i':
		case 'x':
			if ((c == 'i' ? al_scan_options_include : al_scan_options_exclude)(opt, optarg) < 0) {
				rc = errno == EINVAL ? usage_error("%s: an empty glob matches nothing",
								   c == 'i' ? "--include" : "--exclude")
						     : usage_error("%s", strerror(errno));
				goto out;
			}
			break;
		case 'L':
			audit_log = optarg;
			break;
		case 'K':
			audit_key = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			rc = usage_error("%s: unknown option, or its argument is missing", argv[optind - 1]);
			goto out;
		}
	}
	if (optind >= argc) {
		rc = usage_error("no PATH to scan");
		goto out;
	}
	if (!audit_log != !audit_key) {
		rc = usage_error("--audit-log FILE and --audit-key KEY go together");
		goto out;
	}
	if (audit_log) {
		struct audit_options ao = {.path = audit_log, .key = audit_key, .who = "scan"};
		struct al_error err = {0};
		char buf[600];
		if (audit_open(&run.audit, &ao, &err) < 0) {
			fprintf(stderr, "airlock scan: --audit-log: %s\n", al_error_text(&err, buf, sizeof(buf)));
			goto out;
		}
	}
	run.files = json_array();
	for (int k = optind; k < argc; k++)
		if (al_scan_path(argv[k], opt, on_result, &run) < 0)
			on_open_error(&run, argv[k], errno);
	enum al_scan_verdict worst = AL_SCAN_SAFE;
	for (int v = AL_SCAN_DANGEROUS; v > AL_SCAN_SAFE; v--)
		if (run.counts[v]) {
			worst = (enum al_scan_verdict)v;
			break;
		}
	if (run.json) {
		json_t *doc = json_pack(
		    "{s:s, s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "verdict", al_scan_verdict_name(worst),
		    "files", run.files, "counts", "safe", (json_int_t)run.counts[AL_SCAN_SAFE], "unknown",
		    (json_int_t)run.counts[AL_SCAN_UNKNOWN], "dangerous",
		    (json_int_t)run.counts[AL_SCAN_DANGEROUS], "error", (json_int_t)run.counts[AL_SCAN_ERROR],
		    "skipped", (json_int_t)run.skipped);
		char *s = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;
		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	} else {
		json_decref(run.files);
		size_t total = run.counts[0] + run.counts[1] + run.counts[2] + run.counts[3] + run.skipped;
		printf("%zu file%s: %zu safe, %zu unknown, %zu dangerous, %zu could not be parsed, %zu "
		       "skipped\n",
		       total, total == 1 ? "" : "s", run.counts[AL_SCAN_SAFE], run.counts[AL_SCAN_UNKNOWN],
		       run.counts[AL_SCAN_DANGEROUS], run.counts[AL_SCAN_ERROR], run.skipped);
	}
	rc = worst >= AL_SCAN_UNKNOWN ? 1 : worst == AL_SCAN_ERROR ? 2 : 0;
	if (run.audit_failed && rc == 0)
		rc = 2;
out:
	audit_close(run.audit);
	al_scan_options_free(opt);
	return rc;
}
