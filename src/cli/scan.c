/* airlock scan [--json] [--allow MODULE.NAME]... [--include GLOB]...
 *              [--exclude GLOB]... PATH...
 * Exit status: 0 all safe (files that are no model format are skipped and
 * do not count), 1 anything dangerous or unknown, 2 a file could not be read
 * or fully parsed (and nothing worse was found), or bad usage (one line). */
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scan/scan.h"
#include "cli.h"

struct run {
	bool json;
	json_t *files;
	size_t counts[4];
	size_t skipped;
};

static const char *verdict_name(const struct scan_result *r)
{
	return r->skipped ? "skipped" : scan_verdict_name(r->verdict);
}

static json_t *result_json(const struct scan_result *r)
{
	json_t *o = json_object(), *gl = json_array(), *is = json_array();
	json_object_set_new(o, "path", json_string(r->path));
	json_object_set_new(o, "format", json_string(r->format ? r->format : "unknown"));
	json_object_set_new(o, "verdict", json_string(verdict_name(r)));
	json_object_set_new(o, "error", r->error ? json_string(r->error) : json_null());
	if (r->skipped)
		json_object_set_new(o, "reason", json_string(r->skipped));
	for (size_t k = 0; k < r->nglobals; k++) {
		const struct scan_global *g = &r->globals[k];
		json_t *j = json_pack("{s:s?, s:s?, s:s, s:I, s:s, s:b}", "module", g->module, "name",
				      g->name, "verdict", scan_verdict_name(g->verdict), "offset",
				      (json_int_t)g->offset, "opcode", g->opcode, "called", g->called);
		if (!j)
			continue;
		if (g->member)
			json_object_set_new(j, "member", json_string(g->member));
		if (g->reason)
			json_object_set_new(j, "reason", json_string(g->reason));
		json_array_append_new(gl, j);
	}
	for (size_t k = 0; k < r->nissues; k++) {
		const struct scan_issue *i = &r->issues[k];
		json_t *j = json_pack("{s:s, s:s?, s:I}", "verdict", scan_verdict_name(i->verdict), "what",
				      i->what, "offset", (json_int_t)i->offset);
		if (!j)
			continue;
		if (i->member)
			json_object_set_new(j, "member", json_string(i->member));
		json_array_append_new(is, j);
	}
	json_object_set_new(o, "globals", gl);
	json_object_set_new(o, "globals_seen", json_integer((json_int_t)r->globals_seen));
	json_object_set_new(o, "issues", is);
	return o;
}

static void print_text(const struct scan_result *r)
{
	if (r->skipped) {
		printf("%s: skipped (%s)\n", r->path, r->skipped);
		return;
	}
	printf("%s: %s (%s)\n", r->path, scan_verdict_name(r->verdict), r->format ? r->format : "unknown");
	for (size_t k = 0; k < r->nglobals; k++) {
		const struct scan_global *g = &r->globals[k];
		if (g->verdict == SCAN_SAFE)
			continue;
		printf("  %s: %s.%s (%s at offset %llu%s%s%s)%s%s\n", scan_verdict_name(g->verdict),
		       g->module, g->name, g->opcode, (unsigned long long)g->offset, g->member ? " in " : "",
		       g->member ? g->member : "", g->called ? ", called" : "", g->reason ? ": " : "",
		       g->reason ? g->reason : "");
	}
	for (size_t k = 0; k < r->nissues; k++) {
		const struct scan_issue *i = &r->issues[k];
		printf("  %s: %s%s%s\n", i->verdict == SCAN_SAFE ? "note" : scan_verdict_name(i->verdict),
		       i->what, i->member ? " in " : "", i->member ? i->member : "");
	}
	if (r->error)
		printf("  error: %s\n", r->error);
	if (r->globals_seen > r->nglobals)
		printf("  (%zu globals judged, %zu listed)\n", r->globals_seen, r->nglobals);
}

static void on_result(const struct scan_result *r, void *arg)
{
	struct run *run = arg;
	if (r->skipped)
		run->skipped++;
	else
		run->counts[r->verdict]++;
	if (run->json)
		json_array_append_new(run->files, result_json(r));
	else
		print_text(r);
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
	    {"help", no_argument, NULL, 'h'},	       {0},
	};
	struct scan_options opt = {0};
	struct run run = {0};
	/* argv outlives the scan: the lists point into it */
	const char **allow = calloc((size_t)argc + 1, sizeof(*allow));
	const char **include = calloc((size_t)argc + 1, sizeof(*include));
	const char **exclude = calloc((size_t)argc + 1, sizeof(*exclude));
	int c, rc = 2;

	if (!allow || !include || !exclude)
		goto out;
	scan_limits_default(&opt.limits);
	optind = 1;
	opterr = 0; /* usage_error says it, in one line */
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			run.json = true;
			break;
		case 'a':
			if (!allowlist_entry_valid_p(optarg)) {
				rc = usage_error("--allow %s: want MODULE.NAME or MODULE.*", optarg);
				goto out;
			}
			allow[opt.nallow++] = optarg;
			break;
		case 'i':
		case 'x':
			if (!*optarg) {
				rc = usage_error("%s: an empty glob matches nothing",
						 c == 'i' ? "--include" : "--exclude");
				goto out;
			}
			if (c == 'i')
				include[opt.ninclude++] = optarg;
			else
				exclude[opt.nexclude++] = optarg;
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
	opt.allow = allow;
	opt.include = include;
	opt.exclude = exclude;
	run.files = json_array();
	for (int k = optind; k < argc; k++) {
		struct al_error err = {0};
		char buf[640];
		if (scan_path(argv[k], &opt, on_result, &run, &err) < 0) {
			struct scan_result r = {0};
			r.path = argv[k];
			r.format = "unknown";
			r.verdict = SCAN_ERROR;
			r.error = (char *)al_error_text(&err, buf, sizeof(buf));
			on_result(&r, &run);
		}
	}
	enum scan_verdict worst = SCAN_SAFE;
	for (int v = SCAN_DANGEROUS; v > SCAN_SAFE; v--)
		if (run.counts[v]) {
			worst = (enum scan_verdict)v;
			break;
		}
	if (run.json) {
		json_t *doc = json_pack(
		    "{s:s, s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "verdict", scan_verdict_name(worst), "files",
		    run.files, "counts", "safe", (json_int_t)run.counts[SCAN_SAFE], "unknown",
		    (json_int_t)run.counts[SCAN_UNKNOWN], "dangerous", (json_int_t)run.counts[SCAN_DANGEROUS],
		    "error", (json_int_t)run.counts[SCAN_ERROR], "skipped", (json_int_t)run.skipped);
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
		       total, total == 1 ? "" : "s", run.counts[SCAN_SAFE], run.counts[SCAN_UNKNOWN],
		       run.counts[SCAN_DANGEROUS], run.counts[SCAN_ERROR], run.skipped);
	}
	rc = worst >= SCAN_UNKNOWN ? 1 : worst == SCAN_ERROR ? 2 : 0;
out:
	free(allow);
	free(include);
	free(exclude);
	return rc;
}
