/* A client of libairlock-scan built only from the installed header and
 * library (tests/functional/scan_lib.sh): it writes a benign, a malicious
 * and an unknown pickle into DIR and checks what the library says of them
 * through every entry point. Prints "ok ..." lines; exits 1 on a failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/scan.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok" : "not ok", what);
	if (!ok)
		failures++;
}

/* {"w": [1, 2.5, "x"]}, protocol 2, written by hand. */
static const unsigned char benign[] = {0x80, 0x02, '}', 'q',  0x00, 'X',  0x01, 0x00, 0x00, 0x00, 'w',	']',
				       'q',  0x01, '(', 'K',  0x01, 'G',  0x40, 0x04, 0x00, 0x00, 0x00, 0x00,
				       0x00, 0x00, 'X', 0x01, 0x00, 0x00, 0x00, 'x',  'e',  's',  '.'};
/* os.system('true') through INST, protocol 0. */
static const char malicious[] = "(S'true'\nios\nsystem\n.";
/* builtins.print('hi'): neither allowed nor known to be dangerous. */
static const char unknown[] = "cbuiltins\nprint\n(S'hi'\ntR.";

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

struct seen {
	int files, dangerous, safe, unknown;
};

static void on_file(const al_scan_result *r, void *arg)
{
	struct seen *s = arg;
	s->files++;
	switch (al_scan_result_verdict(r)) {
	case AL_SCAN_DANGEROUS:
		s->dangerous++;
		break;
	case AL_SCAN_SAFE:
		s->safe++;
		break;
	case AL_SCAN_UNKNOWN:
		s->unknown++;
		break;
	case AL_SCAN_ERROR:
		break;
	}
}

/* Does the result list module.name with this verdict? */
static int has_global(const al_scan_result *r, const char *module, const char *name, enum al_scan_verdict v)
{
	for (size_t k = 0; k < al_scan_result_nglobals(r); k++) {
		const al_scan_global *g = al_scan_result_global(r, k);
		if (strcmp(al_scan_global_module(g), module) == 0 &&
		    strcmp(al_scan_global_name(g), name) == 0 && al_scan_global_verdict(g) == v)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: scan_lib DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	if (write_file(dir, "benign.pkl", benign, sizeof(benign)) < 0 ||
	    write_file(dir, "malicious.pkl", malicious, strlen(malicious)) < 0 ||
	    write_file(dir, "unknown.pkl", unknown, strlen(unknown)) < 0 ||
	    write_file(dir, "notes.txt", "just text\n", 10) < 0)
		return 2;

	check("version", strlen(al_scan_version()) > 0);
	check("verdict names", strcmp(al_scan_verdict_name(AL_SCAN_DANGEROUS), "dangerous") == 0 &&
				   strcmp(al_scan_verdict_name(AL_SCAN_SAFE), "safe") == 0);

	/* files, with the defaults */
	snprintf(path, sizeof(path), "%s/benign.pkl", dir);
	al_scan_result *r = al_scan_file(path, NULL);
	check("benign file: safe", r && al_scan_result_verdict(r) == AL_SCAN_SAFE &&
				       !al_scan_result_error(r) &&
				       strcmp(al_scan_result_format(r), "pickle") == 0 &&
				       strcmp(al_scan_result_path(r), path) == 0);
	al_scan_result_free(r);

	snprintf(path, sizeof(path), "%s/malicious.pkl", dir);
	r = al_scan_file(path, NULL);
	check("malicious file: dangerous", r && al_scan_result_verdict(r) == AL_SCAN_DANGEROUS &&
					       has_global(r, "os", "system", AL_SCAN_DANGEROUS));
	if (r) {
		const al_scan_global *g = al_scan_result_global(r, 0);
		check("the global: opcode, offset, called, reason",
		      g && strcmp(al_scan_global_opcode(g), "INST") == 0 && al_scan_global_offset(g) == 9 &&
			  al_scan_global_called(g) && al_scan_global_reason(g) && !al_scan_global_member(g));
		check("past the last global: NULL",
		      al_scan_result_global(r, al_scan_result_nglobals(r)) == NULL);
		char *json = al_scan_result_json(r);
		check("JSON names the verdict and the global",
		      json && strstr(json, "\"verdict\":\"dangerous\"") && strstr(json, "\"system\""));
		free(json);
	}
	al_scan_result_free(r);

	snprintf(path, sizeof(path), "%s/no-such-file", dir);
	r = al_scan_file(path, NULL);
	check("missing file: an error result",
	      r && al_scan_result_verdict(r) == AL_SCAN_ERROR && al_scan_result_error(r) != NULL);
	al_scan_result_free(r);

	/* buffers, and options */
	r = al_scan_buffer(unknown, strlen(unknown), "unknown", NULL);
	check("unknown global: unknown", r && al_scan_result_verdict(r) == AL_SCAN_UNKNOWN &&
					     has_global(r, "builtins", "print", AL_SCAN_UNKNOWN));
	al_scan_result_free(r);

	al_scan_options *opt = al_scan_options_new();
	check("options", opt != NULL);
	if (!opt)
		return 1;
	check("a malformed allow entry is refused",
	      al_scan_options_allow(opt, "not a name") < 0 && errno == EINVAL);
	check("an unknown limit is refused",
	      al_scan_options_set_limit(opt, (enum al_scan_limit)999, 1) < 0 && errno == EINVAL);
	check("limits read back", al_scan_options_set_limit(opt, AL_SCAN_LIMIT_DEPTH, 2) == 0 &&
				      al_scan_options_limit(opt, AL_SCAN_LIMIT_DEPTH) == 2);
	check("allow",
	      al_scan_options_allow(opt, "builtins.print") == 0 && al_scan_options_allow(opt, "os.*") == 0);
	r = al_scan_buffer(unknown, strlen(unknown), "unknown", opt);
	check("allowed global: safe", r && al_scan_result_verdict(r) == AL_SCAN_SAFE);
	al_scan_result_free(r);
	r = al_scan_buffer(malicious, strlen(malicious), "malicious", opt);
	check("allow never overrides the deny-list", r && al_scan_result_verdict(r) == AL_SCAN_DANGEROUS);
	al_scan_result_free(r);
	r = al_scan_buffer(benign, sizeof(benign) - 1, "cut", opt);
	check("a cut pickle: error",
	      r && al_scan_result_verdict(r) == AL_SCAN_ERROR && al_scan_result_error(r));
	al_scan_result_free(r);
	al_scan_options_free(opt);

	/* a directory walk, with include/exclude */
	struct seen all = {0}, some = {0};
	check("walk", al_scan_path(dir, NULL, on_file, &all) == 0);
	check("walk: every file once",
	      all.files == 4 && all.dangerous == 1 && all.unknown == 1 && all.safe == 2);
	opt = al_scan_options_new();
	check("include/exclude", opt && al_scan_options_include(opt, "*.pkl") == 0 &&
				     al_scan_options_exclude(opt, "mal*") == 0 &&
				     al_scan_options_include(opt, "") < 0);
	check("walk with globs", al_scan_path(dir, opt, on_file, &some) == 0 && some.files == 2 &&
				     some.dangerous == 0 && some.unknown == 1 && some.safe == 1);
	al_scan_options_free(opt);
	snprintf(path, sizeof(path), "%s/no-such-dir/x", dir);
	errno = 0;
	check("a path that cannot be opened: -1, errno",
	      al_scan_path(path, NULL, on_file, &some) < 0 && errno == ENOENT);

	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
