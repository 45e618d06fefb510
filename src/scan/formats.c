/* Formats found by content, never by extension: a plain pickle named .pt is
 * a pickle. Each reader follows the loader that would open the file: NumPy's
 * .npy (object arrays are pickles), legacy PyTorch (stacked pickles, or a
 * tar), joblib (array data embedded in the pickle stream), safetensors (a
 * JSON header, validated), GGUF (metadata; chat templates checked). Where
 * one file means different things to different loaders (a pickle with a zip
 * appended), every reading is scanned. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

static uint64_t le(const uint8_t *s, int n)
{
	uint64_t v = 0;
	for (int k = n - 1; k >= 0; k--)
		v = v << 8 | s[k];
	return v;
}

/* --- joblib: after BUILD of a NumpyArrayWrapper the array data follows in
 * the stream (joblib's NumpyUnpickler.load_build reads it); for object
 * arrays it is another pickle. */
struct joblib_ctx {
	struct scan_result *res;
	const struct scan_options *opt;
	const char *member;
	unsigned depth;
	bool seen;
};

/* The itemsize numpy gives a dtype made from this string and BUILD state:
 * a void type takes the state's elsize, every other type ignores it. */
static long long dtype_itemsize(const char *dt, long long elsize)
{
	const char *p = dt;
	if (*p == '<' || *p == '>' || *p == '|' || *p == '=')
		p++;
	char c = *p++;
	if (c == 'V' && elsize >= 0)
		return elsize;
	long long n = 0;
	while (*p >= '0' && *p <= '9' && n < 1000000)
		n = n * 10 + (*p++ - '0');
	if (*p && *p != '[')
		return -1;
	switch (c) {
	case 'b':
	case 'i':
	case 'u':
	case 'f':
	case 'c':
	case 'M':
	case 'm':
	case 'S':
	case 'V':
	case 'a':
		return n ? n : (c == 'b' ? 1 : -1);
	case '?':
		return 1;
	case 'U':
		return n * 4;
	default:
		return -1;
	}
}

/* numpy's dtype.hasobject after unpickling: the object type, or a void type
 * whose state's flags say NPY_ITEM_HASOBJECT (sub-arrays and records of
 * objects pickle as V<n> plus a state; numpy trusts the flags, not the
 * sub-array, so a flag alone makes joblib unpickle the payload). */
static bool dtype_hasobject_p(const char *dt, long long flags)
{
	const char *p = dt;
	if (*p == '<' || *p == '>' || *p == '|' || *p == '=')
		p++;
	return *p == 'O' || (*p == 'V' && (flags & 1));
}

/* joblib < 0.10 kept arrays in companion files, and joblib.load still
 * reads them: NDArrayWrapper with np.load(dirname/filename,
 * allow_pickle=True), so an object array there is unpickled too;
 * ZNDArrayWrapper as raw bytes from a ZF file. The name is the pickle's:
 * a file next to this one is noted (scan it too), one elsewhere is not
 * vouched for. */
static void companion_note(struct joblib_ctx *c, const char *name, const void *state)
{
	char fn[256];
	if (!pickle_state_dict_get_str(state, "filename", fn, sizeof(fn)))
		scan_add_issue(c->res, SCAN_UNKNOWN, c->member, 0,
			       "joblib %s: the array is in another file, named by something this scan "
			       "does not read",
			       name);
	else if (strchr(fn, '/') || strcmp(fn, "..") == 0 || strcmp(fn, ".") == 0)
		scan_add_issue(
		    c->res, SCAN_UNKNOWN, c->member, 0,
		    "joblib %s: joblib.load reads the array from %s, outside this file's directory", name,
		    fn);
	else
		scan_add_issue(c->res, SCAN_SAFE, c->member, 0,
			       "joblib %s: joblib.load reads the array from %s next to this file%s", name, fn,
			       name[0] == 'N' ? " with allow_pickle: scan it too" : "");
}

static long long joblib_after_build(void *vctx, const char *module, const char *name, const void *state,
				    const uint8_t *rest, size_t restlen)
{
	struct joblib_ctx *c = vctx;
	char dt[64];
	long long shape[16], elsize = -1, align = -1, flags = 0;
	size_t nd = 0;

	if (strcmp(module, "joblib.numpy_pickle_compat") == 0 &&
	    (strcmp(name, "NDArrayWrapper") == 0 || strcmp(name, "ZNDArrayWrapper") == 0)) {
		companion_note(c, name, state);
		return 0;
	}
	if (strcmp(module, "joblib.numpy_pickle") != 0 || strcmp(name, "NumpyArrayWrapper") != 0)
		return 0;
	c->seen = true;
	if (!pickle_state_dict_get_ints(state, "shape", shape, 16, &nd) ||
	    !pickle_state_dict_get_dtype(state, "dtype", dt, sizeof(dt), &elsize, &flags))
		return -1;
	if (dtype_hasobject_p(dt, flags)) {
		/* read_array: pickle.load on the same file (trailing data is
		 * the rest of the outer stream) */
		struct pickle_sink sink = {.res = c->res, .opt = c->opt, .member = c->member, .base = 0};
		struct scan_error err = {0};
		size_t used;
		if (pickle_scan_one(rest, restlen, &used, &sink, &err) < 0)
			return -1;
		return (long long)used;
	}
	long long isz = dtype_itemsize(dt, elsize);
	if (isz <= 0)
		return -1;
	unsigned long long count = 1;
	for (size_t k = 0; k < nd; k++) {
		if (shape[k] < 0 || (shape[k] && count > (1ull << 62) / (unsigned long long)shape[k]))
			return -1;
		count *= (unsigned long long)shape[k];
	}
	if (count > (1ull << 62) / (unsigned long long)isz)
		return -1;
	unsigned long long skip = 0;
	/* joblib >= 1.2 aligns array data: one byte of padding length first. */
	if (pickle_state_dict_get_int(state, "numpy_array_alignment_bytes", &align) && align > 0) {
		if (restlen < 1)
			return -1;
		skip = 1 + rest[0];
	}
	skip += count * (unsigned long long)isz;
	if (skip > restlen)
		return -1;
	return (long long)skip;
}

/* --- pickle streams: plain pickles, legacy PyTorch, joblib. */
static const uint8_t torch_magic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
				      0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};

static void scan_pickles(const uint8_t *data, size_t len, const char *member, unsigned depth,
			 const struct scan_options *opt, struct scan_result *res)
{
	struct joblib_ctx jc = {.res = res, .opt = opt, .member = member, .depth = depth};
	struct pickle_sink sink = {
	    .res = res, .opt = opt, .member = member, .after_build = joblib_after_build, .ctx = &jc};
	struct scan_error err = {0};
	size_t count = 0, used = 0, max = opt->limits.max_pickles;
	bool legacy = len >= sizeof(torch_magic) && memcmp(data, torch_magic, sizeof(torch_magic)) == 0;

	/* Legacy torch.save: magic, protocol, sys_info, the object, storage
	 * keys; then raw storage bytes that are not pickles. */
	if (legacy)
		max = 5;
	if (pickle_scan_stream(data, len, max, &count, &used, &sink, &err) < 0) {
		scan_set_error(res, member, "%s", err.msg);
		return;
	}
	/* A member's pickle does not name the file: a torch.save zip stays
	 * pytorch-zip (zip_scan names it when it is done). */
	if (!member)
		res->format = legacy ? "pytorch-legacy" : jc.seen ? "joblib" : "pickle";
	if (legacy && count < 5)
		scan_set_error(res, member, "legacy PyTorch file with %zu of its 5 pickles", count);
	if (!legacy && count == max && used < len)
		scan_add_issue(res, SCAN_UNKNOWN, member, used,
			       "more than %zu stacked pickles: the rest is not scanned", max);
}

/* --- legacy PyTorch tar (torch < 0.4): members sys_info, pickle, storages,
 * tensors. storages and tensors interleave pickles with raw data. */
static uint64_t tar_octal(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t k = 0; k < n && p[k] >= '0' && p[k] <= '7'; k++)
		v = v * 8 + (uint64_t)(p[k] - '0');
	return v;
}

static long long storage_elsize(const char *global)
{
	static const struct {
		const char *name;
		int size;
	} t[] = {
	    {"torch.DoubleStorage", 8},	      {"torch.FloatStorage", 4},
	    {"torch.HalfStorage", 2},	      {"torch.LongStorage", 8},
	    {"torch.IntStorage", 4},	      {"torch.ShortStorage", 2},
	    {"torch.CharStorage", 1},	      {"torch.ByteStorage", 1},
	    {"torch.BoolStorage", 1},	      {"torch.BFloat16Storage", 2},
	    {"torch.ComplexFloatStorage", 8}, {"torch.ComplexDoubleStorage", 16},
	};
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		if (strcmp(global, t[k].name) == 0)
			return t[k].size;
	return -1;
}

static int one_pickle(const uint8_t *p, size_t len, size_t *used, const char *member,
		      const struct scan_options *opt, struct scan_result *res, uint64_t base, char *last,
		      size_t lcap)
{
	struct pickle_sink sink = {.res = res, .opt = opt, .member = member, .base = base};
	struct scan_error err = {0};
	if (pickle_scan_one(p, len, used, &sink, &err) < 0) {
		scan_set_error(res, member, "%s", err.msg);
		return -1;
	}
	if (last)
		snprintf(last, lcap, "%s", sink.last_global);
	return 0;
}

static void scan_tar(const uint8_t *data, size_t len, const struct scan_options *opt, struct scan_result *res)
{
	size_t off = 0, members = 0;
	bool have_pickle = false;

	res->format = "pytorch-tar";
	while (off + 512 <= len) {
		const uint8_t *h = data + off;
		char name[101];
		bool zero = true;
		for (int k = 0; k < 512 && zero; k++)
			zero = h[k] == 0;
		if (zero)
			break;
		if (++members > opt->limits.max_zip_entries) {
			scan_set_error(res, NULL, "too many tar members");
			return;
		}
		memcpy(name, h, 100);
		name[100] = 0;
		uint64_t size = tar_octal(h + 124, 12);
		off += 512;
		if (size > len - off) {
			scan_set_error(res, name, "tar member truncated");
			return;
		}
		const uint8_t *m = data + off;
		size_t used, pos = 0;
		char last[256];
		if (strcmp(name, "pickle") == 0 || strcmp(name, "sys_info") == 0) {
			if (one_pickle(m, size, &used, name, opt, res, off, NULL, 0) < 0)
				return;
			have_pickle |= name[0] == 'p';
		} else if (strcmp(name, "storages") == 0 || strcmp(name, "tensors") == 0) {
			/* a count, then per item a pickle and raw bytes */
			if (one_pickle(m, size, &used, name, opt, res, off, NULL, 0) < 0)
				return;
			pos = used;
			while (pos < size) {
				if (one_pickle(m + pos, size - pos, &used, name, opt, res, off + pos, last,
					       sizeof(last)) < 0)
					return;
				pos += used;
				if (name[0] == 's') {
					long long es = storage_elsize(last);
					if (es < 0 || size - pos < 8) {
						scan_set_error(res, name, "storage of unknown type %s", last);
						return;
					}
					uint64_t cnt = le(m + pos, 8);
					pos += 8;
					if (cnt > (size - pos) / (uint64_t)es) {
						scan_set_error(res, name, "storage data truncated");
						return;
					}
					pos += cnt * (uint64_t)es;
				} else {
					if (size - pos < 8) {
						scan_set_error(res, name, "tensor record truncated");
						return;
					}
					uint32_t nd = (uint32_t)le(m + pos, 4);
					pos += 8;
					if (nd > 64 || size - pos < (uint64_t)nd * 16 + 8) {
						scan_set_error(res, name, "tensor record truncated");
						return;
					}
					pos += (uint64_t)nd * 16 + 8;
				}
			}
		} else {
			/* Not read by the loader; a pickle-looking member still counts. */
			if (pickle_looks_like_p(m, size))
				scan_pickles(m, size, name, 1, opt, res);
		}
		off += (size + 511) & ~(uint64_t)511;
	}
	if (!have_pickle)
		scan_set_error(res, NULL, "tar without a 'pickle' member");
	res->format = "pytorch-tar";
}

/* --- .npy: the header is a Python literal (numpy reads it with
 * ast.literal_eval, after dropping Python 2 'L' suffixes) and the array holds
 * pickles whenever np.dtype(descr).hasobject. A dtype can say "object" in
 * many ways: 'O', '|O8', 'object', comma strings ('i4,O'), sub-array and
 * repeat prefixes ('(2,)O', '2O'), (type, shape) tuples, fields of a
 * structured type, nested fields, two-character strings unpacked as
 * (name, type), and any of these spelled with escapes or as concatenated
 * literals. So the header is parsed as Python literals into a small tree,
 * and the descr judged over it. */
enum lkind { L_STR, L_BYTES, L_NUM, L_BOOL, L_NONE, L_TUPLE, L_LIST, L_DICT, L_SET };

struct lnode {
	uint8_t kind;
	bool unsure;	      /* L_STR: an escape we do not decode (\N{...}) */
	uint32_t first, next; /* children (dict: key, value, key, ...), 0 = none */
	char *s;	      /* L_STR / L_BYTES / L_NUM: text, NUL-terminated */
	size_t n;
};

#define LIT_NODES 4096
struct lit {
	const char *p, *end;
	int depth;
	struct lnode nodes[LIT_NODES];
	uint32_t nn;
	char *buf; /* string arena: at most the header's length + NULs */
	size_t blen, bcap;
};

/* Python's tokenizer between tokens: blanks, comments, backslash-newline.
 * Inside brackets newlines are blanks too; literal_eval's expression is
 * bracketed or on one logical line, so newlines are accepted everywhere
 * (a header numpy refuses is then at worst scanned, never skipped). */
static void lit_ws(struct lit *l)
{
	for (;;) {
		while (l->p < l->end &&
		       (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r' || *l->p == '\f'))
			l->p++;
		if (l->p < l->end && *l->p == '#') {
			while (l->p < l->end && *l->p != '\n')
				l->p++;
			continue;
		}
		if (l->p + 1 < l->end && *l->p == '\\' && (l->p[1] == '\n' || l->p[1] == '\r')) {
			l->p += 2;
			continue;
		}
		return;
	}
}

static int lit_new(struct lit *l, enum lkind k)
{
	if (l->nn >= LIT_NODES)
		return -1;
	uint32_t i = l->nn++;
	memset(&l->nodes[i], 0, sizeof(l->nodes[i]));
	l->nodes[i].kind = (uint8_t)k;
	return (int)i;
}

static void lit_put(struct lit *l, char c)
{
	if (l->blen < l->bcap)
		l->buf[l->blen++] = c;
}

static void lit_put_utf8(struct lit *l, uint32_t cp)
{
	if (cp < 0x80) {
		lit_put(l, (char)cp);
	} else if (cp < 0x800) {
		lit_put(l, (char)(0xC0 | cp >> 6));
		lit_put(l, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		lit_put(l, (char)(0xE0 | cp >> 12));
		lit_put(l, (char)(0x80 | ((cp >> 6) & 0x3F)));
		lit_put(l, (char)(0x80 | (cp & 0x3F)));
	} else {
		lit_put(l, (char)(0xF0 | cp >> 18));
		lit_put(l, (char)(0x80 | ((cp >> 12) & 0x3F)));
		lit_put(l, (char)(0x80 | ((cp >> 6) & 0x3F)));
		lit_put(l, (char)(0x80 | (cp & 0x3F)));
	}
}

static int hexdig(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* One string token (prefix, quotes, escapes) appended to the arena. */
static int lit_string_token(struct lit *l, bool *is_bytes, bool *unsure)
{
	bool raw = false, bytes = false;
	while (l->p < l->end && strchr("rRbBuU", *l->p) && *l->p) {
		raw |= *l->p == 'r' || *l->p == 'R';
		bytes |= *l->p == 'b' || *l->p == 'B';
		l->p++;
	}
	if (l->p >= l->end || (*l->p != '\'' && *l->p != '"'))
		return -1;
	char q = *l->p;
	bool triple = l->end - l->p >= 3 && l->p[1] == q && l->p[2] == q;
	l->p += triple ? 3 : 1;
	*is_bytes = bytes;
	for (;;) {
		if (l->p >= l->end)
			return -1;
		char c = *l->p;
		if (c == q && (!triple || (l->end - l->p >= 3 && l->p[1] == q && l->p[2] == q))) {
			l->p += triple ? 3 : 1;
			return 0;
		}
		if (c == '\n' && !triple)
			return -1;
		l->p++;
		if (c != '\\') {
			lit_put(l, c);
			continue;
		}
		if (l->p >= l->end)
			return -1;
		char e = *l->p++;
		if (raw) {
			lit_put(l, '\\');
			lit_put(l, e);
			continue;
		}
		int cnt = 0;
		switch (e) {
		case '\n':
			break;
		case 'n':
			lit_put(l, '\n');
			break;
		case 't':
			lit_put(l, '\t');
			break;
		case 'r':
			lit_put(l, '\r');
			break;
		case 'a':
			lit_put(l, '\a');
			break;
		case 'b':
			lit_put(l, '\b');
			break;
		case 'f':
			lit_put(l, '\f');
			break;
		case 'v':
			lit_put(l, '\v');
			break;
		case '\\':
		case '\'':
		case '"':
			lit_put(l, e);
			break;
		case 'x':
			cnt = 2;
			break;
		case 'u':
			cnt = bytes ? 0 : 4;
			break;
		case 'U':
			cnt = bytes ? 0 : 8;
			break;
		case 'N':
			if (bytes)
				goto literal;
			/* a named character: any letter, 'O' included */
			*unsure = true;
			while (l->p < l->end && *l->p != '}' && *l->p != q)
				l->p++;
			if (l->p < l->end && *l->p == '}')
				l->p++;
			break;
		default:
			if (e >= '0' && e <= '7') {
				unsigned v = (unsigned)(e - '0');
				for (int j = 0; j < 2 && l->p < l->end && *l->p >= '0' && *l->p <= '7'; j++)
					v = v * 8 + (unsigned)(*l->p++ - '0');
				lit_put_utf8(l, v);
				break;
			}
		literal:
			lit_put(l, '\\');
			lit_put(l, e);
		}
		if (e == 'u' || e == 'U' || e == 'x') {
			if (!cnt) { /* \u, \U in bytes: kept as written */
				lit_put(l, '\\');
				lit_put(l, e);
				continue;
			}
			uint32_t v = 0;
			for (int j = 0; j < cnt; j++) {
				if (l->p >= l->end || hexdig((unsigned char)*l->p) < 0)
					return -1;
				v = v << 4 | (uint32_t)hexdig((unsigned char)*l->p++);
			}
			if (v > 0x10FFFF)
				return -1;
			if (bytes)
				lit_put(l, (char)v);
			else
				lit_put_utf8(l, v);
		}
	}
}

static int lit_value(struct lit *l);

/* Items up to the closing bracket, linked under node i. */
static int lit_items(struct lit *l, int i, char close, bool dict, int *count, bool *comma)
{
	uint32_t *link = &l->nodes[i].first;
	*count = 0;
	*comma = false;
	for (;;) {
		lit_ws(l);
		if (l->p < l->end && *l->p == close) {
			l->p++;
			return 0;
		}
		int c = lit_value(l);
		if (c < 0)
			return -1;
		*link = (uint32_t)c;
		link = &l->nodes[c].next;
		if (dict) {
			lit_ws(l);
			if (l->p >= l->end || *l->p++ != ':')
				return -1;
			int v = lit_value(l);
			if (v < 0)
				return -1;
			*link = (uint32_t)v;
			link = &l->nodes[v].next;
		}
		(*count)++;
		lit_ws(l);
		if (l->p < l->end && *l->p == ',') {
			l->p++;
			*comma = true;
			continue;
		}
		lit_ws(l);
		if (l->p < l->end && *l->p == close) {
			l->p++;
			return 0;
		}
		return -1;
	}
}

/* One literal; returns its node index or -1 where literal_eval raises
 * (or where this parser does not follow it: then the header is an error). */
static int lit_value(struct lit *l)
{
	lit_ws(l);
	if (l->p >= l->end || ++l->depth > 64)
		return -1;
	char c = *l->p;
	int i = -1;
	if (c == '\'' || c == '"' ||
	    ((c == 'r' || c == 'R' || c == 'b' || c == 'B' || c == 'u' || c == 'U') && l->end - l->p >= 2 &&
	     strchr("'\"rRbB", l->p[1]) && l->p[1])) {
		/* adjacent string tokens concatenate ('O' 'bject' is 'Object') */
		i = lit_new(l, L_STR);
		if (i < 0)
			return -1;
		size_t start = l->blen;
		bool first = true, bytes = false;
		for (;;) {
			bool b = false, u = false;
			if (lit_string_token(l, &b, &u) < 0)
				return -1;
			if (!first && b != bytes)
				return -1; /* cannot mix bytes and str */
			bytes = b;
			first = false;
			l->nodes[i].unsure |= u;
			lit_ws(l);
			if (l->p < l->end && (*l->p == '\'' || *l->p == '"' ||
					      (strchr("rRbBuU", *l->p) && *l->p && l->end - l->p >= 2 &&
					       strchr("'\"rRbB", l->p[1]) && l->p[1])))
				continue;
			break;
		}
		lit_put(l, 0);
		l->nodes[i].kind = bytes ? L_BYTES : L_STR;
		l->nodes[i].s = l->buf + start;
		l->nodes[i].n = l->blen - start - 1;
	} else if (c == '(' || c == '[' || c == '{') {
		l->p++;
		int count;
		bool comma;
		lit_ws(l);
		if (c == '{' && l->p < l->end && *l->p == '}') {
			l->p++;
			i = lit_new(l, L_DICT);
		} else if (c == '{') {
			/* a dict or a set: look at what follows the first item */
			const char *save = l->p;
			uint32_t savenn = l->nn;
			size_t saveb = l->blen;
			int k = lit_value(l);
			lit_ws(l);
			bool dict = k >= 0 && l->p < l->end && *l->p == ':';
			l->p = save, l->nn = savenn, l->blen = saveb;
			i = lit_new(l, dict ? L_DICT : L_SET);
			if (i < 0 || lit_items(l, i, '}', dict, &count, &comma) < 0)
				return -1;
		} else {
			i = lit_new(l, c == '(' ? L_TUPLE : L_LIST);
			if (i < 0 || lit_items(l, i, c == '(' ? ')' : ']', false, &count, &comma) < 0)
				return -1;
			/* (x) is x; (x,) and () are tuples */
			if (c == '(' && count == 1 && !comma) {
				int inner = (int)l->nodes[i].first;
				l->nodes[inner].next = 0;
				i = inner;
			}
		}
	} else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
		/* a number, signs, complex sums: kept as text (shape entries) */
		i = lit_new(l, L_NUM);
		if (i < 0)
			return -1;
		size_t start = l->blen;
		while (l->p < l->end && (isalnum((unsigned char)*l->p) || strchr("+-._", *l->p)) && *l->p) {
			if ((*l->p == '+' || *l->p == '-') && l->blen > start &&
			    !strchr("eE", l->buf[l->blen - 1]) && l->p[-1] != '+' && l->p[-1] != '-' &&
			    !isdigit((unsigned char)l->p[-1]) && l->p[-1] != '.')
				break;
			lit_put(l, *l->p++);
		}
		lit_put(l, 0);
		l->nodes[i].s = l->buf + start;
		l->nodes[i].n = l->blen - start - 1;
	} else {
		static const struct {
			const char *w;
			enum lkind k;
		} words[] = {{"True", L_BOOL}, {"False", L_BOOL}, {"None", L_NONE}};
		for (size_t k = 0; k < 3; k++) {
			size_t n = strlen(words[k].w);
			if ((size_t)(l->end - l->p) >= n && memcmp(l->p, words[k].w, n) == 0 &&
			    !(l->p + n < l->end && (isalnum((unsigned char)l->p[n]) || l->p[n] == '_'))) {
				l->p += n;
				i = lit_new(l, words[k].k);
				break;
			}
		}
	}
	l->depth--;
	return i;
}

/* How sure is it that numpy makes an object dtype of this? */
enum { OBJ_NO, OBJ_MAYBE, OBJ_YES };

static int worst(int a, int b) { return a > b ? a : b; }

/* A string given to np.dtype(): comma-separated parts, each with an
 * optional shape or repeat prefix and byte order, then the type. */
static int str_hasobj(const struct lnode *s)
{
	if (s->unsure)
		return OBJ_MAYBE;
	int r = OBJ_NO;
	const char *p = s->s, *e = s->s + s->n;
	while (p <= e) {
		const char *q = memchr(p, ',', (size_t)(e - p));
		if (!q)
			q = e;
		const char *t = p;
		while (t < q && isspace((unsigned char)*t))
			t++;
		if (t < q && *t == '(') {
			const char *c = memchr(t, ')', (size_t)(q - t));
			/* "(2,3)O": the comma inside the shape is no separator */
			if (!c) {
				c = memchr(t, ')', (size_t)(e - t));
				if (c)
					q = memchr(c, ',', (size_t)(e - c)) ? memchr(c, ',', (size_t)(e - c))
									    : e;
			}
			t = c ? c + 1 : q;
		}
		while (t < q && isdigit((unsigned char)*t))
			t++;
		while (t < q && isspace((unsigned char)*t))
			t++;
		if (t < q && strchr("<>|=", *t))
			t++;
		if (t < q && (*t == 'O' || ((size_t)(q - t) >= 6 && memcmp(t, "object", 6) == 0)))
			return OBJ_YES;
		p = q + 1;
	}
	if (memchr(s->s, 'O', s->n) || memmem(s->s, s->n, "object", 6))
		r = OBJ_MAYBE;
	return r;
}

static int type_hasobj(struct lit *l, uint32_t i, int depth);

/* One field of a structured descr: (name, type[, shape]); a string or list
 * of length 2 or 3 unpacks the same way, character by character. */
static int field_hasobj(struct lit *l, uint32_t i, int depth)
{
	const struct lnode *f = &l->nodes[i];
	if (f->kind == L_STR) {
		if (f->unsure)
			return OBJ_MAYBE;
		for (size_t k = 1; k < f->n && k < 3; k++)
			if (f->s[k] == 'O')
				return OBJ_YES;
		return OBJ_NO;
	}
	if (f->kind == L_TUPLE || f->kind == L_LIST) {
		uint32_t name = f->first, type = name ? l->nodes[name].next : 0;
		return type ? type_hasobj(l, type, depth + 1) : OBJ_NO;
	}
	return OBJ_NO;
}

/* descr_to_dtype(x): a string, a (type, shape) tuple, or fields. */
static int type_hasobj(struct lit *l, uint32_t i, int depth)
{
	const struct lnode *t = &l->nodes[i];
	int r = OBJ_NO;
	if (depth > 32)
		return OBJ_MAYBE;
	switch (t->kind) {
	case L_STR:
		return str_hasobj(t);
	case L_TUPLE:
		return t->first ? type_hasobj(l, t->first, depth + 1) : OBJ_NO;
	case L_LIST:
	case L_SET:
		for (uint32_t c = t->first; c; c = l->nodes[c].next)
			r = worst(r, field_hasobj(l, c, depth));
		return r;
	case L_DICT: /* iterating a dict gives its keys */
		for (uint32_t c = t->first; c; c = l->nodes[c].next ? l->nodes[l->nodes[c].next].next : 0)
			r = worst(r, field_hasobj(l, c, depth));
		return r;
	default:
		return OBJ_NO;
	}
}

static bool lit_str_is(const struct lnode *n, const char *s)
{
	return n->kind == L_STR && !n->unsure && n->n == strlen(s) && memcmp(n->s, s, n->n) == 0;
}

/* Parses the header; *obj gets whether numpy would unpickle the payload.
 * Returns NULL when numpy accepts it, or why not. */
static const char *npy_header(const char *h, size_t n, int *obj)
{
	struct lit *l = calloc(1, sizeof(*l));
	const char *why = NULL;
	if (!l)
		return "out of memory";
	l->bcap = n + 64;
	l->buf = malloc(l->bcap);
	l->p = h;
	l->end = h + n;
	l->nn = 1; /* node 0 means none */
	*obj = OBJ_NO;
	int root = l->buf ? lit_value(l) : -1;
	lit_ws(l);
	if (root < 0 || l->p != l->end) {
		why = "npy header is not a Python literal numpy reads";
		goto out;
	}
	if (l->nodes[root].kind != L_DICT) {
		why = "npy header is not a dict";
		goto out;
	}
	int have = 0, count = 0;
	uint32_t descr = 0;
	for (uint32_t k = l->nodes[root].first; k; k = l->nodes[l->nodes[k].next].next) {
		uint32_t v = l->nodes[k].next;
		const struct lnode *key = &l->nodes[k], *val = &l->nodes[v];
		count++;
		if (lit_str_is(key, "descr")) {
			have |= 1;
			descr = v; /* a repeated key: the last one wins, as in a dict */
		} else if (lit_str_is(key, "shape")) {
			bool ok = val->kind == L_TUPLE;
			for (uint32_t c = ok ? val->first : 0; c; c = l->nodes[c].next)
				ok &= l->nodes[c].kind == L_NUM || l->nodes[c].kind == L_BOOL;
			if (!ok) {
				why = "npy shape is not a tuple of ints";
				goto out;
			}
			have |= 2;
		} else if (lit_str_is(key, "fortran_order")) {
			if (val->kind != L_BOOL) {
				why = "npy fortran_order is not a bool";
				goto out;
			}
			have |= 4;
		} else if (key->kind == L_STR && key->unsure) {
			/* a key spelled with \N{...}: it might be any of the three */
			have |= 8;
		} else {
			why = "npy header has keys numpy refuses";
			goto out;
		}
	}
	if ((have & 7) != 7 && !(have & 8)) {
		why = "npy header lacks descr, shape or fortran_order";
		goto out;
	}
	*obj = descr ? type_hasobj(l, descr, 0) : OBJ_MAYBE;
	if (have & 8)
		*obj = worst(*obj, OBJ_MAYBE);
	(void)count;
out:
	free(l->buf);
	free(l);
	return why;
}

static void scan_npy(const uint8_t *data, size_t len, const char *member, unsigned depth,
		     const struct scan_options *opt, struct scan_result *res)
{
	if (!member)
		res->format = "npy";
	if (len < 10) {
		scan_set_error(res, member, "npy header truncated");
		return;
	}
	unsigned major = data[6];
	uint64_t hlen, hstart;
	if (major == 1)
		hlen = le(data + 8, 2), hstart = 10;
	else if (major == 2 || major == 3) {
		if (len < 12) {
			scan_set_error(res, member, "npy header truncated");
			return;
		}
		hlen = le(data + 8, 4), hstart = 12;
	} else {
		scan_set_error(res, member, "npy version %u is not known", major);
		return;
	}
	if (hlen > (1u << 20) || hlen > len - hstart) {
		scan_set_error(res, member, "npy header truncated or too large");
		return;
	}
	int obj;
	const char *why = npy_header((const char *)data + hstart, hlen, &obj);
	if (why) {
		scan_set_error(res, member, "%s", why);
		return;
	}
	(void)depth;
	if (obj == OBJ_NO)
		return;
	/* numpy.load(allow_pickle=True) runs pickle.load on the rest. */
	const uint8_t *body = data + hstart + hlen;
	size_t blen = len - hstart - hlen;
	if (obj == OBJ_YES) {
		struct pickle_sink sink = {.res = res, .opt = opt, .member = member, .base = hstart + hlen};
		struct scan_error err = {0};
		size_t count, used;
		if (pickle_scan_stream(body, blen, opt->limits.max_pickles, &count, &used, &sink, &err) < 0)
			scan_set_error(res, member, "object array: %s", err.msg);
		if (!member)
			res->format = "npy-object";
		return;
	}
	/* Perhaps an object dtype (a spelling this reader does not decide):
	 * what a pickle there would import counts, a failed parse does not. */
	scan_add_issue(res, SCAN_SAFE, member, 0,
		       "npy descr might be an object type: payload scanned as a pickle");
	if (!pickle_cannot_start_p(body, blen, (char[8]){0}, 8)) {
		struct scan_result tmp = {0};
		struct pickle_sink sink = {.res = &tmp, .opt = opt, .member = member, .base = hstart + hlen};
		struct scan_error err = {0};
		size_t count, used;
		int rc = pickle_scan_stream(body, blen, opt->limits.max_pickles, &count, &used, &sink, &err);
		scan_merge(res, opt, &tmp);
		if (rc == 0 && tmp.nglobals)
			scan_add_issue(res, SCAN_UNKNOWN, member, hstart + hlen,
				       "npy payload is a pickle that imports");
		scan_result_free(&tmp);
	}
}

/* --- safetensors: 8-byte header length, a JSON header, then data. */
static int dtype_size(const char *d)
{
	static const struct {
		const char *n;
		int s;
	} t[] = {
	    {"F64", 8},	 {"F32", 4},	 {"F16", 2},	 {"BF16", 2}, {"I64", 8}, {"I32", 4},
	    {"I16", 2},	 {"I8", 1},	 {"U64", 8},	 {"U32", 4},  {"U16", 2}, {"U8", 1},
	    {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"C64", 8},
	};
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		if (strcmp(d, t[k].n) == 0)
			return t[k].s;
	return -1;
}

struct span {
	uint64_t b, e;
	const char *name;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->b < y->b ? -1 : x->b > y->b ? 1 : (x->e < y->e ? -1 : x->e > y->e);
}

static bool safetensors_p(const uint8_t *data, size_t len)
{
	if (len < 10)
		return false;
	uint64_t n = le(data, 8);
	return n >= 2 && n <= len - 8 && data[8] == '{';
}

static void scan_safetensors(const uint8_t *data, size_t len, const char *member,
			     const struct scan_options *opt, struct scan_result *res)
{
	uint64_t n = le(data, 8);
	json_error_t je;
	if (!member)
		res->format = "safetensors";
	if (n > opt->limits.max_header) {
		scan_set_error(res, member, "safetensors header of %llu bytes is over the limit",
			       (unsigned long long)n);
		return;
	}
	json_t *h = json_loadb((const char *)data + 8, n, JSON_REJECT_DUPLICATES, &je);
	if (!h || !json_is_object(h)) {
		scan_set_error(res, member, "safetensors header is not a JSON object: %s", h ? "" : je.text);
		json_decref(h);
		return;
	}
	uint64_t dlen = len - 8 - n;
	size_t cnt = json_object_size(h), ns = 0;
	struct span *sp = calloc(cnt ? cnt : 1, sizeof(*sp));
	const char *key;
	json_t *v;
	if (!sp) {
		scan_set_error(res, member, "out of memory");
		json_decref(h);
		return;
	}
	json_object_foreach(h, key, v)
	{
		if (strcmp(key, "__metadata__") == 0) {
			const char *mk;
			json_t *mv;
			if (!json_is_object(v)) {
				scan_set_error(res, member, "__metadata__ is not an object");
				goto out;
			}
			json_object_foreach(v, mk, mv) if (!json_is_string(mv))
			{
				scan_set_error(res, member, "__metadata__ value '%s' is not a string", mk);
				goto out;
			}
			continue;
		}
		json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
		       *offs = json_object_get(v, "data_offsets");
		int es = json_is_string(dt) ? dtype_size(json_string_value(dt)) : -1;
		if (!json_is_object(v) || es < 0 || !json_is_array(shape) || !json_is_array(offs) ||
		    json_array_size(offs) != 2 || json_object_size(v) != 3) {
			scan_set_error(res, member, "tensor '%s': bad dtype, shape or data_offsets", key);
			goto out;
		}
		unsigned long long elems = 1;
		size_t k;
		json_t *d;
		json_array_foreach(shape, k, d)
		{
			if (!json_is_integer(d) || json_integer_value(d) < 0) {
				scan_set_error(res, member, "tensor '%s': bad shape", key);
				goto out;
			}
			unsigned long long x = (unsigned long long)json_integer_value(d);
			if (x && elems > (1ull << 62) / x) {
				scan_set_error(res, member, "tensor '%s': shape overflows", key);
				goto out;
			}
			elems *= x;
		}
		json_t *b = json_array_get(offs, 0), *e = json_array_get(offs, 1);
		if (!json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 ||
		    json_integer_value(e) < json_integer_value(b) || (uint64_t)json_integer_value(e) > dlen) {
			scan_set_error(res, member, "tensor '%s': data_offsets outside the file", key);
			goto out;
		}
		if (elems > (1ull << 62) / (unsigned)es ||
		    elems * (unsigned)es != (uint64_t)(json_integer_value(e) - json_integer_value(b))) {
			scan_set_error(res, member, "tensor '%s': data_offsets do not match dtype and shape",
				       key);
			goto out;
		}
		sp[ns++] =
		    (struct span){(uint64_t)json_integer_value(b), (uint64_t)json_integer_value(e), key};
	}
	qsort(sp, ns, sizeof(*sp), span_cmp);
	for (size_t k = 1; k < ns; k++)
		if (sp[k].b < sp[k - 1].e) {
			scan_set_error(res, member, "tensors '%s' and '%s' overlap", sp[k - 1].name,
				       sp[k].name);
			goto out;
		}
out:
	free(sp);
	json_decref(h);
}

/* --- GGUF: metadata key/values, then tensor infos. A chat template is a
 * Jinja program: constructs that reach Python objects make it dangerous in
 * any loader that renders it outside a sandboxed environment. */
struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rd_u(struct rd *r, int n)
{
	if (r->bad || (size_t)(r->end - r->p) < (size_t)n) {
		r->bad = true;
		return 0;
	}
	uint64_t v = le(r->p, n);
	r->p += n;
	return v;
}

static bool rd_str(struct rd *r, const uint8_t **s, uint64_t *n)
{
	*n = rd_u(r, 8);
	if (r->bad || *n > (uint64_t)(r->end - r->p)) {
		r->bad = true;
		return false;
	}
	*s = r->p;
	r->p += *n;
	return true;
}

static const char *const jinja_gadgets[] = {
    "__",	  "\\x5f",	"\\x5F",     "\\u005f",	   "\\u005F", "\\137",
    "attr(",	  "|attr",	"| attr",    "getattr",	   "lipsum",  "cycler",
    "joiner",	  "namespace",	"self.",     "self|",	   "self[",   "globals",
    "subclasses", "mro",	"builtins",  "import",	   "popen",   "eval(",
    "exec(",	  "os.",	"config.",   "request.",   "url_for", "get_flashed_messages",
    "{%include",  "{% include", "{%extends", "{% extends", "{%from",  "{% from",
    ".format(",	  "|format",	"%c",
};

static void check_template(const uint8_t *s, uint64_t n, const char *key, const char *member,
			   struct scan_result *res, uint64_t off)
{
	for (size_t k = 0; k < sizeof(jinja_gadgets) / sizeof(jinja_gadgets[0]); k++) {
		const char *g = jinja_gadgets[k];
		if (memmem(s, (size_t)n, g, strlen(g))) {
			scan_add_issue(res, SCAN_DANGEROUS, member, off,
				       "%s uses the Jinja construct '%s', which can reach Python objects",
				       key, g);
			return;
		}
	}
}

static bool gguf_skip_value(struct rd *r, uint32_t type, int depth)
{
	static const int sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
	const uint8_t *s;
	uint64_t n;
	if (type > 12)
		return false;
	if (type == 8)
		return rd_str(r, &s, &n);
	if (type == 9) {
		uint32_t et = (uint32_t)rd_u(r, 4);
		uint64_t cnt = rd_u(r, 8);
		if (r->bad || depth > 2 || et > 12)
			return false;
		if (et != 8 && et != 9) {
			if (cnt > (uint64_t)(r->end - r->p) / (uint64_t)sizes[et])
				return false;
			r->p += cnt * (uint64_t)sizes[et];
			return true;
		}
		for (uint64_t k = 0; k < cnt; k++)
			if (!gguf_skip_value(r, et, depth + 1) || r->bad)
				return false;
		return true;
	}
	rd_u(r, sizes[type]);
	return !r->bad;
}

static void scan_gguf(const uint8_t *data, size_t len, const char *member, struct scan_result *res)
{
	struct rd r = {data + 4, data + len, false};
	if (!member)
		res->format = "gguf";
	uint32_t ver = (uint32_t)rd_u(&r, 4);
	if (ver < 2 || ver > 3) {
		scan_set_error(res, member, "GGUF version %u is not supported", ver);
		return;
	}
	uint64_t nt = rd_u(&r, 8), nkv = rd_u(&r, 8);
	if (r.bad || nkv > len / 13 || nt > len / 24) {
		scan_set_error(res, member, "GGUF header truncated or counts too large");
		return;
	}
	for (uint64_t k = 0; k < nkv; k++) {
		const uint8_t *ks, *vs;
		uint64_t kn, vn;
		char key[128];
		if (!rd_str(&r, &ks, &kn) || kn > 65535) {
			scan_set_error(res, member, "GGUF metadata key %llu truncated",
				       (unsigned long long)k);
			return;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(kn < 127 ? kn : 127), ks);
		uint32_t type = (uint32_t)rd_u(&r, 4);
		const uint8_t *at = r.p;
		if (type == 8 && strncmp(key, "tokenizer.chat_template", 23) == 0) {
			if (!rd_str(&r, &vs, &vn)) {
				scan_set_error(res, member, "GGUF value of %s truncated", key);
				return;
			}
			check_template(vs, vn, key, member, res, (uint64_t)(at - data));
			continue;
		}
		if (!gguf_skip_value(&r, type, 0)) {
			scan_set_error(res, member, "GGUF value of %s is truncated or of unknown type", key);
			return;
		}
	}
	for (uint64_t k = 0; k < nt; k++) {
		const uint8_t *s;
		uint64_t n;
		if (!rd_str(&r, &s, &n)) {
			scan_set_error(res, member, "GGUF tensor info %llu truncated", (unsigned long long)k);
			return;
		}
		uint32_t nd = (uint32_t)rd_u(&r, 4);
		if (nd > 8) {
			scan_set_error(res, member, "GGUF tensor with %u dimensions", nd);
			return;
		}
		for (uint32_t d = 0; d < nd; d++)
			rd_u(&r, 8);
		rd_u(&r, 4);
		uint64_t off = rd_u(&r, 8);
		if (r.bad || off > len) {
			scan_set_error(res, member, "GGUF tensor info %llu truncated or outside the file",
				       (unsigned long long)k);
			return;
		}
	}
}

static bool json_text_p(const uint8_t *data, size_t len)
{
	size_t k = 0;
	while (k < len && (data[k] == ' ' || data[k] == '\n' || data[k] == '\t' || data[k] == '\r'))
		k++;
	return k < len && (data[k] == '{' || data[k] == '[');
}

/* Not a model format: reported as skipped, the verdict untouched. */
static void skip(struct scan_result *res, const char *why)
{
	char buf[200];
	snprintf(buf, sizeof(buf), "not a model format: %s", why);
	res->format = "skipped";
	free(res->skipped);
	res->skipped = strdup(buf);
}

/* A compressed joblib dump: joblib.load decompresses it and unpickles the
 * content (NumpyUnpickler), so the content is scanned as that pickle stream.
 * Other loaders (pickle.load, torch.load, numpy.load) read the raw bytes as
 * a pickle: unless no unpickler gets past the first byte, that reading is
 * scanned too ("BZh" starts a BINBYTES). */
static void scan_compressed(const char *packer, const uint8_t *data, size_t len, const char *member,
			    unsigned depth, const struct scan_options *opt, struct scan_result *res)
{
	static const char *const names[][2] = {
	    {"zlib", "joblib-zlib"}, {"gzip", "joblib-gzip"}, {"bz2", "joblib-bz2"},	 {"xz", "joblib-xz"},
	    {"lzma", "joblib-lzma"}, {"lz4", "joblib-lz4"},   {"zfile", "joblib-zfile"},
	};
	const char *format = NULL, *why = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;
	char nowhy[128];

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(packer, names[k][0]) == 0)
			format = names[k][1];
	if (!format) {
		if (!member)
			res->format = "compressed";
		scan_add_issue(res, SCAN_UNKNOWN, member, 0,
			       "%s-compressed data is not scanned: decompress it and scan the content",
			       packer);
		return;
	}
	int rc = compress_decode(packer, data, len, opt->limits.max_inflate, &out, &outlen, &why);
	if (rc < 0) {
		scan_set_error(res, member, "%s: %s", packer, why);
	} else {
		if (outlen == 0) {
			scan_set_error(res, member, "%s: %s", packer, rc > 0 ? why : "nothing decompressed");
		} else if (rc == 0 && !member && strcmp(packer, "zfile") == 0 &&
			   pickle_cannot_start_p(out, outlen, nowhy, sizeof(nowhy))) {
			/* joblib < 0.10 kept compressed arrays in ZF companion files
			 * of raw bytes: joblib.load raises at their first byte */
			free(out);
			skip(res, "ZF data that no unpickler reads (a joblib < 0.10 array file)");
			return;
		} else {
			if (rc > 0 && strcmp(packer, "zfile") == 0)
				scan_add_issue(res, SCAN_UNKNOWN, member, 0,
					       "zfile: %s (%zu bytes); they are scanned", why, outlen);
			else if (rc > 0)
				scan_add_issue(res, SCAN_UNKNOWN, member, 0,
					       "%s: %s after %zu bytes; those bytes are scanned", packer, why,
					       outlen);
			scan_pickles(out, outlen, member, depth + 1, opt, res);
		}
		free(out);
	}
	if (!member)
		res->format = format;
	if (!pickle_cannot_start_p(data, len, nowhy, sizeof(nowhy)))
		scan_pickles(data, len, member, depth, opt, res);
}

/* A file of another format as a pickle loader reads it: pickle.load and
 * joblib.load unpickle any file, numpy.load any that is no zip or npy,
 * torch.load any that is no zip or tar. What that reading imports counts;
 * that it fails does not (the file is what its magic says). */
static void scan_pickle_reading(const uint8_t *data, size_t len, const char *member, unsigned depth,
				const struct scan_options *opt, struct scan_result *res)
{
	char why[128];
	if (pickle_cannot_start_p(data, len, why, sizeof(why)))
		return;
	struct scan_result tmp = {0};
	tmp.format = "unknown";
	scan_pickles(data, len, member, depth, opt, &tmp);
	if (tmp.nglobals || tmp.globals_seen)
		scan_add_issue(
		    res, SCAN_SAFE, member, 0,
		    "also read as a pickle by pickle.load and joblib.load: its imports are listed");
	scan_merge(res, opt, &tmp);
	scan_result_free(&tmp);
}

void formats_scan(const uint8_t *data, size_t len, const char *member, unsigned depth,
		  const struct scan_options *opt, struct scan_result *res)
{
	if (depth > opt->limits.max_depth) {
		scan_add_issue(res, SCAN_UNKNOWN, member, 0, "containers nested deeper than %u: not scanned",
			       opt->limits.max_depth);
		return;
	}
	if (len >= 4 && data[0] == 'P' && data[1] == 'K' &&
	    ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6))) {
		zip_scan(data, len, member, depth, opt, res);
		scan_pickle_reading(data, len, member, depth, opt, res);
		return;
	}
	if (len >= 6 && memcmp(data, "\x93NUMPY", 6) == 0) {
		scan_npy(data, len, member, depth, opt, res); /* 0x93 starts no pickle */
		return;
	}
	if (len >= 8 && memcmp(data, "GGUF", 4) == 0) {
		scan_gguf(data, len, member, res);
		scan_pickle_reading(data, len, member, depth, opt, res);
		return;
	}
	if (len >= 512 && memcmp(data + 257, "ustar", 5) == 0) {
		scan_tar(data, len, opt, res);
		scan_pickle_reading(data, len, member, depth, opt, res);
		return;
	}
	if (safetensors_p(data, len)) {
		scan_safetensors(data, len, member, opt, res);
		scan_pickle_reading(data, len, member, depth, opt, res);
		return;
	}
	const char *packer = compress_kind(data, len);
	if (packer) {
		scan_compressed(packer, data, len, member, depth, opt, res);
		return;
	}
	/* Valid JSON is never a pickle: '[' and whitespace are no opcodes, and
	 * after '{' comes whitespace, '"' or '}' and then no opcode either. */
	if (json_text_p(data, len) && len <= opt->limits.max_header) {
		json_error_t je;
		json_t *j = json_loadb((const char *)data, len, 0, &je);
		if (j) {
			json_decref(j);
			if (!member)
				skip(res, "JSON text");
			return;
		}
	}
	/* Python's zipfile (numpy.load, picklescan) finds a zip at the end of
	 * any file; torch.load takes the same file as legacy, i.e. a pickle:
	 * both readings are scanned, unless no unpickler gets past byte 0. */
	char why[128];
	bool no_pickle = pickle_cannot_start_p(data, len, why, sizeof(why));
	bool zip = zip_find_p(data, len);
	if (!zip && no_pickle && !member) {
		skip(res, why);
		return;
	}
	if (zip && no_pickle) {
		zip_scan(data, len, member, depth, opt, res);
		scan_add_issue(res, SCAN_SAFE, member, 0, "data before the first zip entry");
		return;
	}
	scan_pickles(data, len, member, depth, opt, res);
	if (zip)
		zip_scan(data, len, member, depth, opt, res);
}
