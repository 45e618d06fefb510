/* The scanner's internals (the public API is include/airlock/scan.h).
 *
 * airlock scan: find malicious model files before anything loads them.
 *
 * The scanner reads a file the way each real loader would (CPython's
 * Unpickler opcode for opcode, PyTorch's zip and legacy readers, NumPy's
 * .npy/.npz, joblib, safetensors, GGUF) and reports every global the loader
 * would import. A global is safe only when it is on the allow-list; a file
 * that cannot be fully parsed is never safe.
 *
 * Everything here is pure (bytes in, verdicts out) except scan_path(), which
 * opens and maps files and walks directories. */
#ifndef AIRLOCK_SCAN_H
#define AIRLOCK_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a parse stopped. The scanner has its own error text: it shares no
 * code with the sandbox (struct al_error belongs to libairlock). */
struct scan_error {
	char msg[512];
};
/* Set err's message and return -1. */
int scan_error_set(struct scan_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ordered by severity: a file's verdict is the worst of its findings. */
enum scan_verdict {
	SCAN_SAFE = 0,
	SCAN_ERROR,	/* could not be read or fully parsed: never "safe" */
	SCAN_UNKNOWN,	/* imports or does something not known to be safe */
	SCAN_DANGEROUS, /* imports something known to run code or reach the OS */
};
const char *scan_verdict_name(enum scan_verdict v);

/* Limits on untrusted input; scan_limits_default() fills sane ones. */
struct scan_limits {
	size_t max_stack;   /* pickle stack entries */
	size_t max_marks;   /* pickle MARK nesting */
	size_t max_memo;    /* distinct memo entries */
	size_t max_string;  /* longest string whose content is kept */
	size_t max_globals; /* globals recorded per file (all are judged) */
	size_t max_pickles; /* stacked pickles per stream */
	size_t max_zip_entries;
	uint64_t max_inflate; /* decompressed bytes of one zip entry or joblib dump */
	uint64_t max_header;  /* safetensors / npy header bytes */
	unsigned max_depth;   /* containers inside containers */
};
void scan_limits_default(struct scan_limits *l);

/* One global the loader would import: GLOBAL, STACK_GLOBAL, INST, EXT. */
struct scan_global {
	char *module, *name; /* after Python 2 name mapping (fix_imports) */
	char *member;	     /* container member it is in, or NULL */
	uint64_t offset;     /* byte offset of the opcode in its stream */
	enum scan_verdict verdict;
	const char *reason; /* static text: why dangerous / unknown */
	const char *opcode; /* "GLOBAL", "STACK_GLOBAL", ... */
	bool called;	    /* REDUCE/NEWOBJ/INST/OBJ applied it */
};

/* A finding that is not a global: a BUILD on a global, a chat template, ... */
struct scan_issue {
	enum scan_verdict verdict;
	char *what; /* human text, owned */
	char *member;
	uint64_t offset;
};

struct scan_result {
	char *path;
	const char *format; /* "pickle", "pytorch-zip", "npy", ... */
	enum scan_verdict verdict;
	char *error;   /* why it could not be fully parsed, or NULL */
	char *skipped; /* not a model format: why (verdict stays SCAN_SAFE) */
	struct scan_global *globals;
	size_t nglobals, cap_globals;
	size_t globals_seen; /* including those not recorded (limit) */
	struct scan_issue *issues;
	size_t nissues, cap_issues;
};
void scan_result_free(struct scan_result *r);

/* Per-run options: extra allow-list entries ("module.name" or "module.*"). */
struct scan_options {
	const char *const *allow;
	size_t nallow;
	/* Directory walks: fnmatch globs on the path below the directory and on
	 * the base name. A file is scanned when it matches an include (or none
	 * are given) and no exclude; an excluded directory is not entered. */
	const char *const *include, *const *exclude;
	size_t ninclude, nexclude;
	struct scan_limits limits;
};
/* Is this entry of a directory walk selected by include/exclude? (pure) */
bool scan_selected_p(const struct scan_options *opt, const char *rel, bool dir);
/* "dir" + "name" with one '/' between them, however dir ends (malloc'd). */
char *scan_join(const char *dir, const char *name);

/* Scan the bytes of one file (pure). name is for messages and may hint at
 * nothing: formats are found by content. Fills res (caller frees). */
void scan_buffer(const uint8_t *data, size_t len, const char *name, const struct scan_options *opt,
		 struct scan_result *res);

/* Scan one file (opened, mapped); a file that cannot be opened or is not a
 * regular file is a result with verdict SCAN_ERROR. */
void scan_file(const char *path, const struct scan_options *opt, struct scan_result *res);
/* Length of the valid (strict) UTF-8 sequence at p (n bytes left), or 0. */
size_t scan_utf8_seq(const unsigned char *p, size_t n);

/* Scan a file or a directory tree; calls cb once per file scanned. Returns
 * -errno only when path itself cannot be opened; per-file failures are
 * results with verdict SCAN_ERROR. */
typedef void (*scan_cb)(const struct scan_result *r, void *arg);
int scan_path(const char *path, const struct scan_options *opt, scan_cb cb, void *arg);

/* --- allowlist.c: the verdict tables (pure). */
/* Verdict for an imported global; reason is static text. */
enum scan_verdict allowlist_verdict(const char *module, const char *name, const struct scan_options *opt,
				    const char **reason);
/* Is "module.name" a well-formed --allow entry? */
bool allowlist_entry_valid_p(const char *entry);
/* CPython's _compat_pickle mapping for protocols < 3 (fix_imports=True):
 * rewrites module/name in place when a mapping applies (buffers of cap bytes). */
void allowlist_fix_import(char *module, size_t mcap, char *name, size_t ncap);

/* --- pickle.c: the CPython-faithful opcode machine (pure). */
struct pickle_hooks;
/* Findings go to a sink; the scanner fills these from inside the machine. */
struct pickle_sink {
	struct scan_result *res;
	const struct scan_options *opt;
	const char *member; /* container member being scanned, or NULL */
	uint64_t base;	    /* offset of the stream inside the file */
	/* Optional: called after each BUILD whose target was made by a global
	 * (module, name); returns bytes to skip after the opcode or <0 (error).
	 * joblib embeds raw array data in the stream this way. */
	long long (*after_build)(void *ctx, const char *module, const char *name, const void *state,
				 const uint8_t *rest, size_t restlen);
	void *ctx;
	char last_global[256]; /* "module.name" of the last global imported */
};
/* Parse one pickle from p[0..len) up to and including STOP. Returns 0 and
 * sets *used on STOP; <0 with err set (offset in the message) otherwise. */
int pickle_scan_one(const uint8_t *p, size_t len, size_t *used, struct pickle_sink *sink,
		    struct scan_error *err);
/* Parse stacked pickles: the first must parse; following ones are parsed
 * while the bytes left still start like a pickle, and their findings count.
 * *count gets how many parsed completely; *used the bytes they took. */
int pickle_scan_stream(const uint8_t *p, size_t len, size_t max, size_t *count, size_t *used,
		       struct pickle_sink *sink, struct scan_error *err);
/* Would CPython's Unpickler certainly raise at the first opcode of p, before
 * importing or calling anything? Then p is not a pickle (why says how). */
bool pickle_cannot_start_p(const uint8_t *p, size_t len, char *why, size_t cap);
/* Does p look like the start of a pickle (a PROTO opcode, or a text opcode)? */
bool pickle_looks_like_p(const uint8_t *p, size_t len);

/* Value access for after_build hooks (joblib): small literals the machine keeps. */
bool pickle_state_dict_get_int(const void *state, const char *key, long long *out);
bool pickle_state_dict_get_ints(const void *state, const char *key, long long *out, size_t max, size_t *n);
bool pickle_state_dict_get_str(const void *state, const char *key, char *out, size_t cap);
/* The dtype string of a numpy.dtype value in the state dict, e.g. "f8", "O8",
 * with the elsize and flags of its BUILD state (-1 and 0 when absent). */
bool pickle_state_dict_get_dtype(const void *state, const char *key, char *out, size_t cap, long long *elsize,
				 long long *flags);

/* --- result helpers shared by the scanner files. */
int scan_add_global(struct scan_result *r, const struct scan_options *opt, const char *module,
		    const char *name, const char *member, uint64_t offset, const char *opcode,
		    enum scan_verdict verdict, const char *reason);
void scan_add_issue(struct scan_result *r, enum scan_verdict v, const char *member, uint64_t offset,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void scan_set_error(struct scan_result *r, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void scan_raise(struct scan_result *r, enum scan_verdict v);
/* Add what another reading of the same bytes found (its globals, issues and
 * verdict), but not its error: that reading is not the file's format. */
void scan_merge(struct scan_result *res, const struct scan_options *opt, const struct scan_result *tmp);

/* --- formats.c / zip.c: containers (pure). depth bounds nesting. */
void formats_scan(const uint8_t *data, size_t len, const char *member, unsigned depth,
		  const struct scan_options *opt, struct scan_result *res);
bool zip_find_p(const uint8_t *data, size_t len);

/* --- compress.c: joblib's compressors (pure). */
/* The compressor joblib.load picks for these first bytes, or NULL. */
const char *compress_kind(const uint8_t *data, size_t len);
/* Decompress all of in as joblib's reader for kind would, into a new buffer
 * (*out, caller frees) of at most max bytes. Returns 0 when every stream
 * ended cleanly, 1 when the data broke off (*why; *out holds what came out
 * before), <0 past the limit or out of memory (*why, nothing kept). */
int compress_decode(const char *kind, const uint8_t *in, size_t len, uint64_t max, uint8_t **out,
		    size_t *outlen, const char **why);
void zip_scan(const uint8_t *data, size_t len, const char *member, unsigned depth,
	      const struct scan_options *opt, struct scan_result *res);

#endif
