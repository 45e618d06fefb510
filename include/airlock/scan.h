/* libairlock-scan: find malicious model files before anything loads them.
 *
 * The scanner reads a file the way each real loader would (CPython's
 * Unpickler, PyTorch's zip and legacy readers, NumPy's .npy/.npz, joblib,
 * safetensors, GGUF) and reports every global the loader would import. A
 * global is safe only when it is on the allow-list; a file that cannot be
 * fully parsed is never safe.
 *
 * It shares nothing with the sandbox: link it alone with
 * `pkg-config --cflags --libs airlock-scan`.
 *
 * Conventions: every handle is opaque and made by this library; functions
 * that can fail return -1 (or NULL) and set errno. Nothing here keeps global
 * state: separate handles may be used from separate threads at once. */
#ifndef AIRLOCK_SCAN_PUBLIC_H
#define AIRLOCK_SCAN_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AL_SCAN_API __attribute__((visibility("default")))
#else
#define AL_SCAN_API
#endif

/* A file's verdict is the worst of its findings; the order is fixed. */
enum al_scan_verdict {
	AL_SCAN_SAFE = 0,
	AL_SCAN_ERROR = 1,     /* could not be read or fully parsed: never safe */
	AL_SCAN_UNKNOWN = 2,   /* imports or does something not known to be safe */
	AL_SCAN_DANGEROUS = 3, /* imports something known to run code or reach the OS */
};

/* Bounds on untrusted input (al_scan_options_set_limit). */
enum al_scan_limit {
	AL_SCAN_LIMIT_STACK = 0,   /* pickle stack entries */
	AL_SCAN_LIMIT_MARKS,	   /* pickle MARK nesting */
	AL_SCAN_LIMIT_MEMO,	   /* distinct memo entries */
	AL_SCAN_LIMIT_STRING,	   /* longest string whose content is kept */
	AL_SCAN_LIMIT_GLOBALS,	   /* globals listed per file (all are judged) */
	AL_SCAN_LIMIT_PICKLES,	   /* stacked pickles per stream */
	AL_SCAN_LIMIT_ZIP_ENTRIES, /* entries of one zip */
	AL_SCAN_LIMIT_INFLATE,	   /* decompressed bytes of one zip entry or joblib dump */
	AL_SCAN_LIMIT_HEADER,	   /* safetensors / npy header bytes */
	AL_SCAN_LIMIT_DEPTH,	   /* containers inside containers */
};

typedef struct al_scan_options al_scan_options;
typedef struct al_scan_result al_scan_result;
typedef struct al_scan_global al_scan_global;
typedef struct al_scan_issue al_scan_issue;

/* "0.1.0": the library's version. */
AL_SCAN_API const char *al_scan_version(void);
/* "safe", "error", "unknown", "dangerous". */
AL_SCAN_API const char *al_scan_verdict_name(enum al_scan_verdict v);

/* --- options: defaults (sane limits, the built-in tables) until set. */
AL_SCAN_API al_scan_options *al_scan_options_new(void);
AL_SCAN_API void al_scan_options_free(al_scan_options *opt);
/* Also accept the global "module.name" (or "module.*" for a whole module).
 * Known-dangerous globals stay dangerous. EINVAL when malformed. */
AL_SCAN_API int al_scan_options_allow(al_scan_options *opt, const char *entry);
/* Directory walks: fnmatch globs on the path below the directory and on the
 * base name. A file is scanned when it matches an include (or none are
 * given) and no exclude; an excluded directory is not entered. EINVAL for
 * an empty glob. */
AL_SCAN_API int al_scan_options_include(al_scan_options *opt, const char *glob);
AL_SCAN_API int al_scan_options_exclude(al_scan_options *opt, const char *glob);
/* EINVAL for an unknown limit or a value out of its range (at least 1,
 * except AL_SCAN_LIMIT_DEPTH). */
AL_SCAN_API int al_scan_options_set_limit(al_scan_options *opt, enum al_scan_limit which, uint64_t value);
/* The current value, or 0 for an unknown limit. */
AL_SCAN_API uint64_t al_scan_options_limit(const al_scan_options *opt, enum al_scan_limit which);

/* --- scanning. opt may be NULL for the defaults. */
/* The bytes of one file; name is for messages (formats are found by
 * content). NULL only when out of memory. */
AL_SCAN_API al_scan_result *al_scan_buffer(const void *data, size_t len, const char *name,
					   const al_scan_options *opt);
/* One file, mapped, not read whole. A file that cannot be opened or is not a
 * regular file gives a result with verdict AL_SCAN_ERROR. NULL only when out
 * of memory. */
AL_SCAN_API al_scan_result *al_scan_file(const char *path, const al_scan_options *opt);
/* A file or a directory tree (in name order, symlinked directories not
 * followed): cb once per file, with a result valid until cb returns. -1
 * (errno set) only when path itself cannot be opened. */
typedef void (*al_scan_cb)(const al_scan_result *r, void *arg);
AL_SCAN_API int al_scan_path(const char *path, const al_scan_options *opt, al_scan_cb cb, void *arg);
AL_SCAN_API void al_scan_result_free(al_scan_result *r);

/* --- a result. Strings live as long as the result. */
AL_SCAN_API enum al_scan_verdict al_scan_result_verdict(const al_scan_result *r);
AL_SCAN_API const char *al_scan_result_path(const al_scan_result *r);
/* "pickle", "pytorch-zip", "npy", "joblib", "safetensors", ..., "skipped". */
AL_SCAN_API const char *al_scan_result_format(const al_scan_result *r);
/* Why the file could not be fully parsed, or NULL. */
AL_SCAN_API const char *al_scan_result_error(const al_scan_result *r);
/* Not a model format (text, JSON, ...): why; the verdict stays safe. NULL
 * for every file that was scanned. */
AL_SCAN_API const char *al_scan_result_skipped(const al_scan_result *r);
/* Globals judged, including those past AL_SCAN_LIMIT_GLOBALS (not listed). */
AL_SCAN_API size_t al_scan_result_globals_seen(const al_scan_result *r);
/* The result as one JSON object (path, format, verdict, error, globals,
 * issues), as `airlock scan --json` prints it per file; free() it. NULL when
 * out of memory. */
AL_SCAN_API char *al_scan_result_json(const al_scan_result *r);

/* Each global the loader would import (GLOBAL, STACK_GLOBAL, INST, EXT, ...);
 * k from 0 to al_scan_result_nglobals() - 1, NULL past the end. */
AL_SCAN_API size_t al_scan_result_nglobals(const al_scan_result *r);
AL_SCAN_API const al_scan_global *al_scan_result_global(const al_scan_result *r, size_t k);
/* Module and name after Python 2's name mapping, as the loader imports them. */
AL_SCAN_API const char *al_scan_global_module(const al_scan_global *g);
AL_SCAN_API const char *al_scan_global_name(const al_scan_global *g);
/* The container member it is in ("archive/data.pkl"), or NULL. */
AL_SCAN_API const char *al_scan_global_member(const al_scan_global *g);
/* Byte offset of its opcode in its stream. */
AL_SCAN_API uint64_t al_scan_global_offset(const al_scan_global *g);
AL_SCAN_API const char *al_scan_global_opcode(const al_scan_global *g);
AL_SCAN_API enum al_scan_verdict al_scan_global_verdict(const al_scan_global *g);
/* Why it is dangerous or unknown, or NULL. */
AL_SCAN_API const char *al_scan_global_reason(const al_scan_global *g);
/* 1 when the pickle calls it (REDUCE, NEWOBJ, INST, OBJ), else 0. */
AL_SCAN_API int al_scan_global_called(const al_scan_global *g);

/* Findings that are not globals (a BUILD on a global, a chat template, ...). */
AL_SCAN_API size_t al_scan_result_nissues(const al_scan_result *r);
AL_SCAN_API const al_scan_issue *al_scan_result_issue(const al_scan_result *r, size_t k);
AL_SCAN_API enum al_scan_verdict al_scan_issue_verdict(const al_scan_issue *i);
AL_SCAN_API const char *al_scan_issue_what(const al_scan_issue *i);
AL_SCAN_API const char *al_scan_issue_member(const al_scan_issue *i);
AL_SCAN_API uint64_t al_scan_issue_offset(const al_scan_issue *i);

#ifdef __cplusplus
}
#endif

#endif
