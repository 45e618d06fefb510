/* Walking files and directories, and the result a scan builds: findings,
 * their verdicts, and the file's verdict as the worst of them. Only
 * scan_path() touches the file system; the rest is pure. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"

const char *scan_verdict_name(enum scan_verdict v)
{
	switch (v) {
	case SCAN_SAFE:
		return "safe";
	case SCAN_ERROR:
		return "error";
	case SCAN_UNKNOWN:
		return "unknown";
	case SCAN_DANGEROUS:
		return "dangerous";
	}
	return "?";
}

void scan_limits_default(struct scan_limits *l)
{
	l->max_stack = 1u << 22;
	l->max_marks = 1u << 20;
	l->max_memo = 1u << 22;
	l->max_string = 4096;
	l->max_globals = 10000;
	l->max_pickles = 64;
	l->max_zip_entries = 1u << 20;
	l->max_inflate = 4ull << 30;
	l->max_header = 100u << 20; /* safetensors' own limit */
	l->max_depth = 4;
}

int scan_error_set(struct scan_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void scan_raise(struct scan_result *r, enum scan_verdict v)
{
	if (v > r->verdict)
		r->verdict = v;
}

int scan_add_global(struct scan_result *r, const struct scan_options *opt, const char *module,
		    const char *name, const char *member, uint64_t offset, const char *opcode,
		    enum scan_verdict verdict, const char *reason)
{
	scan_raise(r, verdict);
	r->globals_seen++;
	if (r->nglobals >= opt->limits.max_globals)
		return -1; /* judged, not recorded */
	if (r->nglobals == r->cap_globals) {
		size_t ncap = r->cap_globals ? r->cap_globals * 2 : 16;
		struct scan_global *n = realloc(r->globals, ncap * sizeof(*n));
		if (!n)
			return -1;
		r->globals = n;
		r->cap_globals = ncap;
	}
	struct scan_global *g = &r->globals[r->nglobals];
	*g = (struct scan_global){.module = strdup(module),
				  .name = strdup(name),
				  .member = member ? strdup(member) : NULL,
				  .offset = offset,
				  .verdict = verdict,
				  .reason = reason,
				  .opcode = opcode};
	if (!g->module || !g->name) {
		free(g->module);
		free(g->name);
		free(g->member);
		return -1;
	}
	return (int)r->nglobals++;
}

void scan_add_issue(struct scan_result *r, enum scan_verdict v, const char *member, uint64_t offset,
		    const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	scan_raise(r, v);
	if (r->nissues >= 1000)
		return;
	if (r->nissues == r->cap_issues) {
		size_t ncap = r->cap_issues ? r->cap_issues * 2 : 8;
		struct scan_issue *n = realloc(r->issues, ncap * sizeof(*n));
		if (!n)
			return;
		r->issues = n;
		r->cap_issues = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->issues[r->nissues++] = (struct scan_issue){
	    .verdict = v, .what = strdup(buf), .member = member ? strdup(member) : NULL, .offset = offset};
}

void scan_merge(struct scan_result *res, const struct scan_options *opt, const struct scan_result *tmp)
{
	for (size_t g = 0; g < tmp->nglobals; g++) {
		const struct scan_global *sg = &tmp->globals[g];
		int at = scan_add_global(res, opt, sg->module, sg->name, sg->member, sg->offset, sg->opcode,
					 sg->verdict, sg->reason);
		if (at >= 0)
			res->globals[at].called = sg->called;
	}
	for (size_t k = 0; k < tmp->nissues; k++)
		scan_add_issue(res, tmp->issues[k].verdict, tmp->issues[k].member, tmp->issues[k].offset,
			       "%s", tmp->issues[k].what);
	/* what tmp judged but did not list (past max_globals) */
	scan_raise(res, tmp->verdict == SCAN_ERROR ? SCAN_SAFE : tmp->verdict);
}

/* The first error is kept: it is where parsing stopped. */
void scan_set_error(struct scan_result *r, const char *member, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n = 0;

	scan_raise(r, SCAN_ERROR);
	if (r->error)
		return;
	if (member)
		n = snprintf(buf, sizeof(buf), "%s: ", member);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	r->error = strdup(buf);
}

void scan_result_free(struct scan_result *r)
{
	for (size_t k = 0; k < r->nglobals; k++) {
		free(r->globals[k].module);
		free(r->globals[k].name);
		free(r->globals[k].member);
	}
	for (size_t k = 0; k < r->nissues; k++) {
		free(r->issues[k].what);
		free(r->issues[k].member);
	}
	free(r->globals);
	free(r->issues);
	free(r->error);
	free(r->skipped);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

void scan_buffer(const uint8_t *data, size_t len, const char *name, const struct scan_options *opt,
		 struct scan_result *res)
{
	memset(res, 0, sizeof(*res));
	res->path = strdup(name ? name : "-");
	res->format = "unknown";
	if (len == 0) {
		scan_set_error(res, NULL, "empty file");
		return;
	}
	formats_scan(data, len, NULL, 0, opt, res);
}

/* --- selection (pure). */
static bool glob_hit(const char *const *globs, size_t n, const char *rel)
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	for (size_t k = 0; k < n; k++)
		if (fnmatch(globs[k], rel, 0) == 0 || fnmatch(globs[k], base, 0) == 0)
			return true;
	return false;
}

bool scan_selected_p(const struct scan_options *opt, const char *rel, bool dir)
{
	if (glob_hit(opt->exclude, opt->nexclude, rel))
		return false;
	/* includes name files: directories are entered to find them */
	return dir || !opt->ninclude || glob_hit(opt->include, opt->ninclude, rel);
}

size_t scan_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	unsigned cp = c & (0x3f >> (len - 1));
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *scan_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *out = NULL;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (asprintf(&out, "%.*s%s%s", (int)n, dir, n && dir[n - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return out;
}

/* --- the file system side. */
static void scan_fd_into(int fd, const char *path, const struct scan_options *opt, struct scan_result *r)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		memset(r, 0, sizeof(*r));
		r->path = strdup(path);
		r->format = "unknown";
		scan_set_error(r, NULL, "not a regular file");
		return;
	}
	if (st.st_size == 0) {
		scan_buffer(NULL, 0, path, opt, r);
		return;
	}
	/* Mapped, not read: checkpoints are gigabytes and most of it is skipped. */
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		memset(r, 0, sizeof(*r));
		r->path = strdup(path);
		r->format = "unknown";
		scan_set_error(r, NULL, "cannot map the file: %s", strerror(errno));
		return;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	scan_buffer(map, (size_t)st.st_size, path, opt, r);
	munmap(map, (size_t)st.st_size);
}

static void scan_fd(int fd, const char *path, const struct scan_options *opt, scan_cb cb, void *arg)
{
	struct scan_result r;

	scan_fd_into(fd, path, opt, &r);
	cb(&r, arg);
	scan_result_free(&r);
}

static void open_error_into(const char *path, int errnum, struct scan_result *r)
{
	memset(r, 0, sizeof(*r));
	r->path = strdup(path);
	r->format = "unknown";
	scan_set_error(r, NULL, "cannot open: %s", strerror(errnum));
}

void scan_file(const char *path, const struct scan_options *opt, struct scan_result *res)
{
	/* O_NONBLOCK: a FIFO must not hang the scan; scan_fd_into rejects it. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		open_error_into(path, errno, res);
		return;
	}
	scan_fd_into(fd, path, opt, res);
	close(fd);
}

static void report_open_error(const char *path, int errnum, scan_cb cb, void *arg)
{
	struct scan_result r;
	open_error_into(path, errnum, &r);
	cb(&r, arg);
	scan_result_free(&r);
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void walk(int dfd, const char *path, const char *rel, unsigned depth, const struct scan_options *opt,
		 scan_cb cb, void *arg);

/* One entry of a directory: skipped, entered, or scanned. */
static void walk_entry(int dfd, const char *name, const char *sub, const char *subrel, unsigned depth,
		       const struct scan_options *opt, scan_cb cb, void *arg)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (scan_selected_p(opt, subrel, false))
			report_open_error(sub, errno, cb, arg);
		return;
	}
	if (!scan_selected_p(opt, subrel, S_ISDIR(st.st_mode)))
		return;
	if (S_ISDIR(st.st_mode)) {
		if (depth >= 64) {
			report_open_error(sub, ELOOP, cb, arg);
			return;
		}
		int sfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			report_open_error(sub, errno, cb, arg);
		else
			walk(sfd, sub, subrel, depth + 1, opt, cb, arg);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		struct stat target;
		if (fstatat(dfd, name, &target, 0) == 0 && S_ISDIR(target.st_mode))
			return; /* symlinked directory: not followed */
	}
	/* O_NONBLOCK: a FIFO must not hang the scan; scan_fd rejects it. */
	int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		report_open_error(sub, errno, cb, arg);
		return;
	}
	scan_fd(fd, sub, opt, cb, arg);
	close(fd);
}

/* Directories are walked in name order without following symlinked
 * directories (no loops); symlinked files are scanned, as loaders open them. */
static void walk(int dfd, const char *path, const char *rel, unsigned depth, const struct scan_options *opt,
		 scan_cb cb, void *arg)
{
	DIR *d = fdopendir(dfd);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (!d) {
		close(dfd);
		report_open_error(path, errno, cb, arg);
		return;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t k = 0; k < n; k++) {
		char *sub = scan_join(path, names[k]);
		char *subrel = *rel ? scan_join(rel, names[k]) : strdup(names[k]);
		if (sub && subrel)
			walk_entry(dirfd(d), names[k], sub, subrel, depth, opt, cb, arg);
		free(sub);
		free(subrel);
	}
	for (size_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
	closedir(d);
}

int scan_path(const char *path, const struct scan_options *opt, scan_cb cb, void *arg)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (S_ISDIR(st.st_mode)) {
		walk(fd, path, "", 0, opt, cb, arg); /* fd transferred */
		return 0;
	}
	scan_fd(fd, path, opt, cb, arg);
	close(fd);
	return 0;
}
