/* The pickle opcode machine: a symbolic copy of CPython's C Unpickler
 * (Modules/_pickle.c, the one pickle.load, torch.load and numpy.load use).
 *
 * It consumes exactly the bytes CPython consumes for every opcode, keeps the
 * same stack, mark stack, fence and memo, and stops where CPython raises.
 * That is what keeps a hostile pickle from desynchronising the scanner: a
 * global is found only if the parse reaches it the way the loader does.
 * Values are symbolic: strings are kept (STACK_GLOBAL takes its operands from
 * the stack, possibly from the memo), small containers keep their items (so
 * joblib's array headers can be read), everything else is a kind only. Where
 * the machine is more lenient than CPython (it does not check the syntax of
 * FLOAT or LONG text) it can only see more, never less.
 *
 * Python's own Unpickler (joblib's NumpyUnpickler, pickle._Unpickler) reads
 * on where the C one raises: a last line needs no newline, an empty line is
 * the empty string, a frame may be short, INST imports before it looks for
 * its MARK. That reading (READ_PY_FILE) is run as well wherever the C one
 * stops or frames lie, and what it imports counts. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

enum kind {
	K_NONE,
	K_BOOL,
	K_INT,
	K_FLOAT,
	K_STR, /* str; s/len valid unless flags & F_LONG */
	K_BYTES,
	K_TUPLE,
	K_LIST,
	K_DICT,
	K_SET,
	K_FROZENSET,
	K_GLOBAL, /* an imported global: s = "module\0name", i = record index */
	K_OBJ,	  /* made by calling a global: ref -> object node */
	K_PERSID, /* what persistent_load returned */
	K_OTHER,
};
#define F_LONG 1 /* string content not kept */

struct val {
	uint8_t kind, flags;
	uint32_t len;
	uint32_t ref; /* container or object node, 0 = none */
	int64_t i;
	const char *s;
};

/* Containers and called objects live in nodes, shared by reference the way
 * Python objects are (the memo and the stack point at the same list). */
#define NODE_ITEMS 16
struct node {
	struct val items[NODE_ITEMS]; /* containers: the first items; objects: [0] args [1] state */
	uint32_t n;		      /* items appended (may exceed NODE_ITEMS) */
	const char *callee;	      /* objects: "module\0name" of the global called */
};

struct memo_slot {
	uint64_t key; /* index + 1; 0 = empty */
	struct val v;
};

struct machine {
	const uint8_t *p, *end, *start;
	struct pickle_sink *sink;
	const struct scan_limits *lim;
	struct scan_error *err;
	int proto;
	struct val *stack;
	size_t sp, scap, fence;
	size_t *marks;
	size_t nmarks, mcap;
	struct memo_slot *memo;
	size_t memo_cap, memo_len;
	struct node *nodes;
	size_t nnodes, ncap;
	char **pool; /* decoded strings, freed with the machine */
	size_t npool, pcap, pool_bytes;
	uint64_t op_off; /* offset of the current opcode */
	/* How the bytes are read (see need()): */
	int mode;
	const uint8_t *win_end;		 /* READ_C_FILE: end of the buffer a FRAME filled */
	const uint8_t *frame_end, *fpos; /* READ_PY_FILE: the current frame, the file position */
	bool saw_frame, crossed;
};

/* pickle.loads(bytes) and the C Unpickler on a file read frames as no more
 * than a length check... except that the C Unpickler reading a file without
 * peek() (io.BytesIO: torch.load's data.pkl) keeps the frame in a buffer
 * and drops what is left of it when an operand runs past its end, reading
 * on from the file after the frame. Python's own Unpickler (joblib's
 * NumpyUnpickler) reads frames through _Unframer: an operand crossing a
 * frame's end raises, and joblib reads array data from the file itself,
 * after the frame. A FRAME whose stated length lies thus makes one loader
 * call what another reads as data: every reading is scanned. */
enum { READ_BYTES, READ_C_FILE, READ_PY_FILE };

static int fail(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct machine *m, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return scan_error_set(m->err, "pickle at offset %llu: %s",
			      (unsigned long long)(m->sink->base + m->op_off), msg);
}

/* --- reading: lines must end in '\n' (the C Unpickler raises otherwise;
 * Python's takes the end of the file as the end of a line). */
/* Before a read of n bytes (or a line, n == SIZE_MAX): where the reader
 * takes it from. into: the C Unpickler's _Unpickler_ReadInto (BINBYTES*,
 * BYTEARRAY8), which copies what is left in its buffer first. */
/* Bytes from p to lim that are inside the data (a frame's stated end may
 * lie past the file, and p past the window). */
static size_t span(const struct machine *m, const uint8_t *lim)
{
	if (lim > m->end)
		lim = m->end;
	return lim > m->p ? (size_t)(lim - m->p) : 0;
}

/* Bytes from p to a frame's stated end, which may lie past the file. */
static size_t left(const struct machine *m, const uint8_t *lim)
{
	return lim > m->p ? (size_t)(lim - m->p) : 0;
}

static int frame_boundary(struct machine *m, size_t n, bool into)
{
	if (m->mode == READ_C_FILE && m->win_end) {
		bool fits = n == SIZE_MAX ? memchr(m->p, '\n', span(m, m->win_end)) != NULL
					  : left(m, m->win_end) >= n;
		if (!fits && !into) {
			m->crossed |= m->p < m->win_end;
			m->p = m->win_end;
			m->win_end = NULL;
		} else if (!fits) {
			m->win_end = NULL;
		}
	} else if (m->mode == READ_PY_FILE && m->frame_end) {
		if (m->p == m->frame_end && n != 0) {
			m->frame_end = NULL; /* frame used up: on from the file */
			m->p = m->fpos;
			return 0;
		}
		bool fits = n == SIZE_MAX ? memchr(m->p, '\n', span(m, m->frame_end)) != NULL
					  : left(m, m->frame_end) >= n;
		if (!fits) {
			m->crossed = true;
			return fail(m, "pickle exhausted before end of frame");
		}
	}
	return 0;
}

static int need(struct machine *m, size_t n, const uint8_t **out)
{
	if (frame_boundary(m, n, false) < 0)
		return -1;
	if ((size_t)(m->end - m->p) < n)
		return fail(m, "pickle data was truncated");
	*out = m->p;
	m->p += n;
	return 0;
}

static int need_into(struct machine *m, size_t n)
{
	if (frame_boundary(m, n, true) < 0)
		return -1;
	if ((size_t)(m->end - m->p) < n)
		return fail(m, "pickle data was truncated");
	m->p += n;
	return 0;
}

static int readline(struct machine *m, const char **line, size_t *len)
{
	if (frame_boundary(m, SIZE_MAX, false) < 0)
		return -1;
	const uint8_t *nl = memchr(m->p, '\n', (size_t)(m->end - m->p));
	if (!nl && m->mode == READ_PY_FILE) {
		/* Python's readline() at the end of the file: what is left, maybe
		 * nothing, whose last byte the opcode then cuts off as if it were
		 * the newline (see content()) */
		*line = (const char *)m->p;
		*len = (size_t)(m->end - m->p);
		m->p = m->end;
		return 0;
	}
	if (!nl)
		return fail(m, "pickle data was truncated (no newline)");
	*line = (const char *)m->p;
	*len = (size_t)(nl - m->p) + 1; /* with the newline, as CPython counts */
	m->p = nl + 1;
	return 0;
}

/* readline()[:-1]: the line without its last byte, the newline but for
 * Python's reader at the end of the file; an empty line stays empty. */
static size_t content(size_t len) { return len ? len - 1 : 0; }

/* The C Unpickler refuses a line operand of nothing but its newline
 * (bad_readline) where Python's reader takes the empty string. */
static bool empty_refused(const struct machine *m, size_t len) { return len < 2 && m->mode != READ_PY_FILE; }

static uint64_t le(const uint8_t *s, int n)
{
	uint64_t v = 0;
	for (int k = n - 1; k >= 0; k--)
		v = v << 8 | s[k];
	return v;
}

/* --- the string pool: decoded copies of text operands. */
static char *pool_add(struct machine *m, size_t len)
{
	if (m->pool_bytes + len > (64u << 20))
		return NULL;
	if (m->npool == m->pcap) {
		size_t ncap = m->pcap ? m->pcap * 2 : 64;
		char **n = realloc(m->pool, ncap * sizeof(*n));
		if (!n)
			return NULL;
		m->pool = n;
		m->pcap = ncap;
	}
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	m->pool[m->npool++] = s;
	m->pool_bytes += len + 1;
	s[len] = 0;
	return s;
}

/* --- the stack, with CPython's fence: nothing below the last MARK is
 * reachable until that mark is consumed. */
static int push(struct machine *m, struct val v)
{
	if (m->sp == m->scap) {
		if (m->scap >= m->lim->max_stack)
			return fail(m, "stack deeper than %zu", m->lim->max_stack);
		size_t ncap = m->scap ? m->scap * 2 : 256;
		if (ncap > m->lim->max_stack)
			ncap = m->lim->max_stack;
		struct val *n = realloc(m->stack, ncap * sizeof(*n));
		if (!n)
			return fail(m, "out of memory");
		m->stack = n;
		m->scap = ncap;
	}
	m->stack[m->sp++] = v;
	return 0;
}

static int underflow(struct machine *m)
{
	return fail(m, m->nmarks ? "unexpected MARK found" : "unpickling stack underflow");
}

static int pop(struct machine *m, struct val *out)
{
	if (m->sp <= m->fence)
		return underflow(m);
	*out = m->stack[--m->sp];
	return 0;
}

static int top(struct machine *m, struct val **out)
{
	if (m->sp <= m->fence)
		return underflow(m);
	*out = &m->stack[m->sp - 1];
	return 0;
}

/* marker(): pop the mark stack, restore the previous fence. */
static int marker(struct machine *m, size_t *mark)
{
	if (m->nmarks < 1)
		return fail(m, "could not find MARK");
	*mark = m->marks[--m->nmarks];
	m->fence = m->nmarks ? m->marks[m->nmarks - 1] : 0;
	return 0;
}

static struct val mk(enum kind k)
{
	struct val v = {.kind = (uint8_t)k};
	return v;
}

static int new_node(struct machine *m, uint32_t *ref)
{
	if (m->nnodes == m->ncap) {
		/* Past the cap, containers are opaque (ref 0): only joblib needs items. */
		if (m->ncap >= (1u << 20))
			return *ref = 0, 0;
		size_t ncap = m->ncap ? m->ncap * 2 : 64;
		struct node *n = realloc(m->nodes, ncap * sizeof(*n));
		if (!n)
			return fail(m, "out of memory");
		m->nodes = n;
		m->ncap = ncap;
		if (m->nnodes == 0)
			m->nnodes = 1; /* node 0 means "none" */
	}
	memset(&m->nodes[m->nnodes], 0, sizeof(struct node));
	*ref = (uint32_t)m->nnodes++;
	return 0;
}

static void node_append(struct machine *m, uint32_t ref, struct val v)
{
	if (!ref)
		return;
	struct node *n = &m->nodes[ref];
	if (n->n < NODE_ITEMS)
		n->items[n->n] = v;
	if (n->n < UINT32_MAX)
		n->n++;
}

/* A container from stack[from..sp), items kept in a node. */
static int make_container(struct machine *m, enum kind k, size_t from, struct val *out)
{
	struct val v = mk(k);
	if (new_node(m, &v.ref) < 0)
		return -1;
	for (size_t j = from; j < m->sp; j++)
		node_append(m, v.ref, m->stack[j]);
	v.len = (uint32_t)(m->sp - from);
	m->sp = from;
	*out = v;
	return 0;
}

/* --- the memo: an open-addressing table keyed by index (CPython uses an
 * array; a table bounds memory against huge sparse indices). memo_len counts
 * distinct entries, which MEMOIZE uses as its index. */
static int memo_put(struct machine *m, uint64_t idx, struct val v)
{
	if (m->memo_len * 2 >= m->memo_cap) {
		if (m->memo_len >= m->lim->max_memo)
			return fail(m, "more than %zu memo entries", m->lim->max_memo);
		size_t ncap = m->memo_cap ? m->memo_cap * 2 : 1024;
		struct memo_slot *n = calloc(ncap, sizeof(*n));
		if (!n)
			return fail(m, "out of memory");
		for (size_t j = 0; j < m->memo_cap; j++) {
			if (!m->memo[j].key)
				continue;
			size_t h = (size_t)(m->memo[j].key * 0x9E3779B97F4A7C15ull) & (ncap - 1);
			while (n[h].key)
				h = (h + 1) & (ncap - 1);
			n[h] = m->memo[j];
		}
		free(m->memo);
		m->memo = n;
		m->memo_cap = ncap;
	}
	uint64_t key = idx + 1;
	size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (m->memo_cap - 1);
	while (m->memo[h].key && m->memo[h].key != key)
		h = (h + 1) & (m->memo_cap - 1);
	if (!m->memo[h].key)
		m->memo_len++;
	m->memo[h].key = key;
	m->memo[h].v = v;
	return 0;
}

static int memo_get(struct machine *m, uint64_t idx)
{
	if (m->memo_cap && idx < UINT64_MAX) {
		uint64_t key = idx + 1;
		size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (m->memo_cap - 1);
		while (m->memo[h].key) {
			if (m->memo[h].key == key)
				return push(m, m->memo[h].v);
			h = (h + 1) & (m->memo_cap - 1);
		}
	}
	return fail(m, "Memo value not found at index %llu", (unsigned long long)idx);
}

/* PyLong_FromString(s, NULL, 10) on a line: leading/trailing whitespace, a
 * sign, digits with single underscores between them; the C string ends at
 * the first NUL (CPython copies the line NUL-terminated). Exact, because
 * memo indices decide which value STACK_GLOBAL sees. */
static int py_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int parse_line_int(const char *s, size_t len, int64_t *out)
{
	size_t k = 0, end = strnlen(s, len);
	int neg = 0, digits = 0;
	uint64_t v = 0;

	while (k < end && py_isspace((unsigned char)s[k]))
		k++;
	if (k < end && (s[k] == '+' || s[k] == '-'))
		neg = s[k++] == '-';
	while (k < end) {
		char c = s[k];
		if (c == '_') {
			/* one underscore, between digits */
			if (!digits || k + 1 >= end || s[k + 1] < '0' || s[k + 1] > '9')
				return -1;
			k++;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		if (v > (UINT64_MAX / 2 - 9) / 10)
			return -2; /* larger than any index we keep */
		v = v * 10 + (uint64_t)(c - '0');
		digits++;
		k++;
	}
	if (!digits)
		return -1;
	while (k < end && py_isspace((unsigned char)s[k]))
		k++;
	if (k != end)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* --- text decoding of operands, exactly as CPython decodes them. */
static bool utf8_valid(const uint8_t *s, size_t n, bool surrogates)
{
	size_t k = 0;
	while (k < n) {
		uint8_t c = s[k];
		if (c < 0x80) {
			k++;
			continue;
		}
		size_t need_n;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF)
			need_n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need_n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need_n = 3, cp = c & 0x07;
		else
			return false;
		if (k + need_n >= n)
			return false;
		for (size_t j = 1; j <= need_n; j++) {
			if ((s[k + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[k + j] & 0x3F);
		}
		if ((need_n == 2 && cp < 0x800) || (need_n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		if (!surrogates && cp >= 0xD800 && cp <= 0xDFFF)
			return false;
		k += need_n + 1;
	}
	return true;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* UNICODE: raw-unicode-escape. Bytes are Latin-1 code points; only \uXXXX
 * and \UXXXXXXXX are escapes. Returns -1 where CPython raises. */
static int decode_raw_unicode_escape(struct machine *m, const char *s, size_t n, struct val *v)
{
	char *o = pool_add(m, n * 4);
	size_t olen = 0;
	if (!o)
		return fail(m, "string pool exhausted");
	for (size_t k = 0; k < n;) {
		uint8_t c = (uint8_t)s[k++];
		if (c != '\\' || k >= n) {
			olen += put_utf8(o + olen, c);
			continue;
		}
		uint8_t e = (uint8_t)s[k++];
		int count = e == 'u' ? 4 : e == 'U' ? 8 : 0;
		if (!count) {
			o[olen++] = '\\';
			olen += put_utf8(o + olen, e);
			continue;
		}
		uint32_t cp = 0;
		for (; count; count--, k++) {
			if (k >= n || hexval((unsigned char)s[k]) < 0)
				return fail(m, "truncated \\u escape in UNICODE");
			cp = cp << 4 | (uint32_t)hexval((unsigned char)s[k]);
		}
		if (cp > 0x10FFFF)
			return fail(m, "\\Uxxxxxxxx out of range");
		olen += put_utf8(o + olen, cp);
	}
	o[olen] = 0;
	*v = mk(K_STR);
	v->s = o;
	v->len = (uint32_t)olen;
	return 0;
}

/* STRING, BINSTRING, SHORT_BINSTRING: bytes that the unpickler's encoding
 * makes a str. pickle.load, numpy.load and joblib use ASCII (anything else
 * raises), torch.load UTF-8: valid UTF-8 is kept as torch reads it. Other
 * bytes raise under both; they are kept as Latin-1 (encoding='latin1', how
 * Python 2 pickles are loaded), so that the machine reads on. */
static int bytes_to_str(struct machine *m, const uint8_t *b, size_t n, struct val *v)
{
	bool utf8 = utf8_valid(b, n, false);
	char *o = pool_add(m, utf8 ? n : n * 2);
	size_t olen = 0;
	if (!o)
		return fail(m, "string pool exhausted");
	if (utf8) {
		memcpy(o, b, n);
		olen = n;
	} else {
		for (size_t k = 0; k < n; k++)
			olen += put_utf8(o + olen, b[k]);
	}
	o[olen] = 0;
	*v = mk(K_STR);
	v->s = o;
	v->len = (uint32_t)olen;
	return 0;
}

/* STRING: quoted, then Python bytes escapes (PyBytes_DecodeEscape), then
 * the encoding (bytes_to_str). */
static int decode_string_escape(struct machine *m, const char *s, size_t n, struct val *v)
{
	uint8_t *o = malloc(n ? n : 1);
	size_t olen = 0;
	if (!o)
		return fail(m, "out of memory");
	for (size_t k = 0; k < n;) {
		uint8_t c = (uint8_t)s[k++], b;
		if (c != '\\') {
			b = c;
		} else {
			if (k >= n) {
				free(o);
				return fail(m, "trailing \\ in STRING");
			}
			uint8_t e = (uint8_t)s[k++];
			switch (e) {
			case '\n':
				continue;
			case '\\':
				b = '\\';
				break;
			case '\'':
				b = '\'';
				break;
			case '"':
				b = '"';
				break;
			case 'b':
				b = '\b';
				break;
			case 'f':
				b = '\f';
				break;
			case 't':
				b = '\t';
				break;
			case 'n':
				b = '\n';
				break;
			case 'r':
				b = '\r';
				break;
			case 'v':
				b = '\v';
				break;
			case 'a':
				b = '\a';
				break;
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7': {
				unsigned x = e - '0';
				for (int j = 0; j < 2 && k < n && s[k] >= '0' && s[k] <= '7'; j++)
					x = x * 8 + (unsigned)(s[k++] - '0');
				b = (uint8_t)x; /* CPython keeps the low byte */
				break;
			}
			case 'x':
				if (k + 1 >= n || hexval((unsigned char)s[k]) < 0 ||
				    hexval((unsigned char)s[k + 1]) < 0) {
					free(o);
					return fail(m, "invalid \\x escape in STRING");
				}
				b = (uint8_t)(hexval((unsigned char)s[k]) << 4 |
					      hexval((unsigned char)s[k + 1]));
				k += 2;
				break;
			default:
				/* unknown escapes stay as they are */
				o[olen++] = '\\';
				b = e;
			}
		}
		o[olen++] = b;
	}
	int rc = bytes_to_str(m, o, olen, v);
	free(o);
	return rc;
}

/* A str operand taken from the input (BINUNICODE*: UTF-8, surrogatepass). */
static int str_from_input(struct machine *m, const uint8_t *s, uint64_t n, struct val *v)
{
	*v = mk(K_STR);
	if (n > m->lim->max_string) {
		v->flags = F_LONG;
		return 0;
	}
	if (!utf8_valid(s, (size_t)n, true))
		return fail(m, "invalid UTF-8 in a str operand");
	char *o = pool_add(m, (size_t)n);
	if (!o)
		return fail(m, "string pool exhausted");
	memcpy(o, s, (size_t)n);
	v->s = o;
	v->len = (uint32_t)n;
	return 0;
}

/* SHORT_BINSTRING/BINSTRING: bytes_to_str. */
static int str_from_bytes(struct machine *m, const uint8_t *s, uint64_t n, struct val *v)
{
	*v = mk(K_STR);
	if (n > m->lim->max_string) {
		v->flags = F_LONG;
		return 0;
	}
	return bytes_to_str(m, s, (size_t)n, v);
}

/* --- globals: every import the loader would make goes through here. */
static bool dotted_name_ok(const char *s, size_t n) { return n > 0 && !memchr(s, 0, n); }

/* A copy of s[0..n) in the pool, cut at a NUL: names are C strings from
 * here on (Python cannot import a name with a NUL in it). */
static char *pool_name(struct machine *m, const char *s, size_t n)
{
	const char *nul = memchr(s, 0, n);
	if (nul)
		n = (size_t)(nul - s);
	char *o = pool_add(m, n);
	if (o)
		memcpy(o, s, n);
	return o;
}

static int import_global(struct machine *m, const char *mod, size_t mlen, const char *name, size_t nlen,
			 const char *opcode, const char *forced_reason, enum scan_verdict forced_v,
			 struct val *out)
{
	char mbuf[256], nbuf[256];
	const char *module, *gname, *reason = NULL;
	enum scan_verdict v;
	struct pickle_sink *k = m->sink;

	if (!dotted_name_ok(mod, mlen) || !dotted_name_ok(name, nlen) || mlen >= sizeof(mbuf) ||
	    nlen >= sizeof(nbuf)) {
		/* Names no table holds are still imports: listed whole, as the
		 * loader asks for them, and never safe. A long one may still be a
		 * path to something denied (protocol 4 walks "path.os.system"
		 * attribute by attribute): the deny-list has its say. */
		module = pool_name(m, mod, mlen);
		gname = pool_name(m, name, nlen);
		if (!module || !gname)
			return fail(m, "string pool exhausted");
		v = SCAN_UNKNOWN;
		reason = "module or name too long or not text";
		if (dotted_name_ok(mod, mlen) && dotted_name_ok(name, nlen)) {
			const char *why = NULL;
			if (allowlist_verdict(module, gname, k->opt, &why) == SCAN_DANGEROUS)
				v = SCAN_DANGEROUS, reason = why;
			else if (strstr(module, "__") || strstr(gname, "__"))
				v = SCAN_DANGEROUS,
				reason = "dunder attribute path reaches interpreter internals";
		}
	} else {
		memcpy(mbuf, mod, mlen);
		mbuf[mlen] = 0;
		memcpy(nbuf, name, nlen);
		nbuf[nlen] = 0;
		/* find_class maps Python 2 names for protocols < 3 (fix_imports). */
		if (m->proto < 3)
			allowlist_fix_import(mbuf, sizeof(mbuf), nbuf, sizeof(nbuf));
		module = mbuf;
		gname = nbuf;
		v = allowlist_verdict(module, gname, k->opt, &reason);
	}
	if (forced_reason && v < forced_v) {
		v = forced_v;
		reason = forced_reason;
	}
	int idx =
	    scan_add_global(k->res, k->opt, module, gname, k->member, k->base + m->op_off, opcode, v, reason);
	snprintf(k->last_global, sizeof(k->last_global), "%s.%s", module, gname);

	size_t ml = strlen(module), nl = strlen(gname);
	char *s = pool_add(m, ml + nl + 1);
	if (!s)
		return fail(m, "string pool exhausted");
	memcpy(s, module, ml + 1);
	memcpy(s + ml + 1, gname, nl + 1);
	*out = mk(K_GLOBAL);
	out->s = s;
	out->i = idx;
	return 0;
}

static int global_from_lines(struct machine *m, const char *opcode, bool ascii, struct val *out)
{
	const char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	if (readline(m, &a, &alen) < 0)
		return -1;
	if (empty_refused(m, alen))
		return fail(m, "%s: empty module line", opcode);
	if (readline(m, &b, &blen) < 0)
		return -1;
	if (empty_refused(m, blen))
		return fail(m, "%s: empty name line", opcode);
	alen = content(alen), blen = content(blen);
	/* GLOBAL decodes as strict UTF-8, INST as strict ASCII. */
	for (size_t j = 0; ascii && j < alen; j++)
		if ((unsigned char)a[j] >= 0x80)
			return fail(m, "%s: module is not ASCII", opcode);
	for (size_t j = 0; ascii && j < blen; j++)
		if ((unsigned char)b[j] >= 0x80)
			return fail(m, "%s: name is not ASCII", opcode);
	if (!utf8_valid((const uint8_t *)a, alen, false) || !utf8_valid((const uint8_t *)b, blen, false))
		return fail(m, "%s: invalid UTF-8", opcode);
	return import_global(m, a, alen, b, blen, opcode, NULL, SCAN_SAFE, out);
}

/* Could this value be a str at load time although the file holds no
 * literal for it? The result of a call, a persistent object, a global. */
static bool computed_p(const struct val *v)
{
	return v->kind == K_OBJ || v->kind == K_PERSID || v->kind == K_OTHER || v->kind == K_GLOBAL;
}

static void mark_called(struct machine *m, const struct val *callee)
{
	if (callee->kind == K_GLOBAL && callee->i >= 0 && (size_t)callee->i < m->sink->res->nglobals)
		m->sink->res->globals[callee->i].called = true;
}

/* Calling something that is not an imported global (the result of a call,
 * a persistent object): no benign pickle does this. CPython raises for data
 * values; for others we cannot know what runs. */
static int call_value(struct machine *m, const struct val *callee, struct val args, const char *opcode,
		      struct val *out)
{
	if (callee->kind == K_GLOBAL) {
		mark_called(m, callee);
	} else if (callee->kind == K_OBJ || callee->kind == K_PERSID || callee->kind == K_OTHER) {
		scan_add_issue(m->sink->res, SCAN_UNKNOWN, m->sink->member, m->sink->base + m->op_off,
			       "%s calls a value that is not an imported global", opcode);
	} else {
		return fail(m, "%s: object is not callable", opcode);
	}
	*out = mk(K_OBJ);
	if (new_node(m, &out->ref) < 0)
		return -1;
	if (out->ref) {
		struct node *n = &m->nodes[out->ref];
		n->callee = callee->kind == K_GLOBAL ? callee->s : NULL;
		n->items[0] = args;
		n->n = 1;
	}
	return 0;
}

/* BUILD, SETITEM(S), APPEND(S), ADDITEMS on an imported global itself would
 * set attributes or items on a module-level object (a class, a function):
 * benign pickles only ever fill objects they made. */
static void check_mutation(struct machine *m, const struct val *target, const char *opcode)
{
	if (target->kind != K_GLOBAL)
		return;
	const char *mod = target->s, *name = mod + strlen(mod) + 1;
	scan_add_issue(m->sink->res, SCAN_DANGEROUS, m->sink->member, m->sink->base + m->op_off,
		       "%s modifies the imported object %s.%s", opcode, mod, name);
}

static int append_items(struct machine *m, size_t x, const char *opcode)
{
	/* do_append / do_setitems / load_additems: the target sits just below x,
	 * which must be above the fence. */
	if (x > m->sp || x <= m->fence)
		return underflow(m);
	struct val *target = &m->stack[x - 1];
	check_mutation(m, target, opcode);
	if (target->kind == K_LIST || target->kind == K_DICT || target->kind == K_SET)
		for (size_t j = x; j < m->sp; j++)
			node_append(m, target->ref, m->stack[j]);
	m->sp = x;
	return 0;
}

/* What an after_build hook gets as "state": read with pickle_state_dict_*. */
struct state_ref {
	struct machine *m;
	struct val v;
};

static int do_build(struct machine *m)
{
	struct val state = {0}, *inst = NULL;
	if (pop(m, &state) < 0 || top(m, &inst) < 0)
		return -1;
	check_mutation(m, inst, "BUILD");
	if (inst->kind == K_OBJ && inst->ref) {
		struct node *n = &m->nodes[inst->ref];
		n->items[1] = state;
		if (n->n < 2)
			n->n = 2;
		const char *callee = n->callee;
		/* copyreg._reconstructor(cls, base, state): the class is args[0]. */
		if (callee && strcmp(callee, "copyreg") == 0 && strcmp(callee + 8, "_reconstructor") == 0) {
			const struct val *args = &n->items[0];
			if (args->kind == K_TUPLE && args->ref && m->nodes[args->ref].n > 0 &&
			    m->nodes[args->ref].items[0].kind == K_GLOBAL)
				callee = m->nodes[args->ref].items[0].s;
		}
		if (m->sink->after_build && callee) {
			struct state_ref ref = {m, state};
			if (m->mode == READ_BYTES && m->win_end && m->p != m->win_end)
				m->crossed = true; /* joblib would read the data after the frame */
			/* joblib reads array data from the file, after any frame */
			const uint8_t **at = m->mode == READ_PY_FILE && m->frame_end ? &m->fpos : &m->p;
			long long skip =
			    m->sink->after_build(m->sink->ctx, callee, callee + strlen(callee) + 1, &ref, *at,
						 (size_t)(m->end - *at));
			if (skip < 0)
				return fail(m, "BUILD: the array data embedded after it cannot be read");
			if ((unsigned long long)skip > (size_t)(m->end - *at))
				return fail(m, "BUILD: embedded data truncated");
			if (skip > 0) {
				*at += skip;
				*inst = mk(K_OTHER); /* joblib replaces the wrapper by the array */
			}
		}
	}
	return 0;
}

/* --- the opcode loop. */
static int step(struct machine *m, bool *stop)
{
	const uint8_t *s = NULL;
	const char *line = NULL;
	size_t len = 0, mark = 0;
	struct val v = {0}, a = {0}, b = {0}, c = {0}, *t = NULL;
	int64_t iv = 0;
	uint64_t n = 0;
	uint8_t op;

	m->op_off = (uint64_t)(m->p - m->start);
	if (m->mode == READ_BYTES && m->win_end && m->p >= m->win_end) {
		m->crossed |= m->p > m->win_end; /* an opcode ran across the frame's end */
		m->win_end = NULL;
	}
	if (need(m, 1, &s) < 0)
		return -1;
	op = s[0];
	switch (op) {
	case '(': /* MARK */
		if (m->nmarks == m->mcap) {
			if (m->mcap >= m->lim->max_marks)
				return fail(m, "more than %zu nested MARKs", m->lim->max_marks);
			size_t ncap = m->mcap ? m->mcap * 2 : 64;
			size_t *nm = realloc(m->marks, ncap * sizeof(*nm));
			if (!nm)
				return fail(m, "out of memory");
			m->marks = nm;
			m->mcap = ncap;
		}
		m->marks[m->nmarks++] = m->sp;
		m->fence = m->sp;
		return 0;
	case '.': /* STOP */
		if (pop(m, &v) < 0)
			return -1;
		*stop = true;
		return 0;
	case '0': /* POP: pops a mark when the mark is on top */
		if (m->nmarks > 0 && m->marks[m->nmarks - 1] == m->sp)
			return marker(m, &mark);
		return pop(m, &v);
	case '1': /* POP_MARK */
		if (marker(m, &mark) < 0)
			return -1;
		m->sp = mark;
		return 0;
	case '2': /* DUP */
		if (top(m, &t) < 0)
			return -1;
		return push(m, *t);
	case 'F': /* FLOAT */
		if (readline(m, &line, &len) < 0)
			return -1;
		return push(m, mk(K_FLOAT));
	case 'G': /* BINFLOAT */
		if (need(m, 8, &s) < 0)
			return -1;
		return push(m, mk(K_FLOAT));
	case 'I': /* INT; "00"/"01" are booleans */
		if (readline(m, &line, &len) < 0)
			return -1;
		v = mk(K_INT);
		if (len == 3 && line[0] == '0' && (line[1] == '0' || line[1] == '1'))
			v.kind = K_BOOL;
		else if (parse_line_int(line, len, &iv) == 0)
			v.i = iv;
		return push(m, v);
	case 'J': /* BININT */
		if (need(m, 4, &s) < 0)
			return -1;
		v = mk(K_INT);
		v.i = (int32_t)le(s, 4);
		return push(m, v);
	case 'K': /* BININT1 */
		if (need(m, 1, &s) < 0)
			return -1;
		v = mk(K_INT);
		v.i = s[0];
		return push(m, v);
	case 'M': /* BININT2 */
		if (need(m, 2, &s) < 0)
			return -1;
		v = mk(K_INT);
		v.i = (int64_t)le(s, 2);
		return push(m, v);
	case 'L': /* LONG */
		if (readline(m, &line, &len) < 0)
			return -1;
		return push(m, mk(K_INT));
	case 0x8a: /* LONG1 */
		if (need(m, 1, &s) < 0 || need(m, s[0], &s) < 0)
			return -1;
		return push(m, mk(K_INT));
	case 0x8b: /* LONG4: signed count */
		if (need(m, 4, &s) < 0)
			return -1;
		if ((int32_t)le(s, 4) < 0)
			return fail(m, "LONG pickle has negative byte count");
		if (need(m, (size_t)le(s, 4), &s) < 0)
			return -1;
		return push(m, mk(K_INT));
	case 'N':
		return push(m, mk(K_NONE));
	case 0x88: /* NEWTRUE */
	case 0x89: /* NEWFALSE */
		v = mk(K_BOOL);
		v.i = op == 0x88;
		return push(m, v);
	case 'S': /* STRING: quoted, escaped */
		if (readline(m, &line, &len) < 0)
			return -1;
		len = content(len);
		if (len < 2 || line[0] != line[len - 1] || (line[0] != '\'' && line[0] != '"'))
			return fail(m, "the STRING opcode argument must be quoted");
		if (len - 2 > m->lim->max_string) {
			v = mk(K_STR);
			v.flags = F_LONG;
		} else if (decode_string_escape(m, line + 1, len - 2, &v) < 0) {
			return -1;
		}
		return push(m, v);
	case 'T': /* BINSTRING: signed 4-byte count */
		if (need(m, 4, &s) < 0)
			return -1;
		if ((int32_t)le(s, 4) < 0)
			return fail(m, "BINSTRING pickle has negative byte count");
		n = le(s, 4);
		if (need(m, (size_t)n, &s) < 0 || str_from_bytes(m, s, n, &v) < 0)
			return -1;
		return push(m, v);
	case 'U': /* SHORT_BINSTRING */
		if (need(m, 1, &s) < 0)
			return -1;
		n = s[0];
		if (need(m, (size_t)n, &s) < 0 || str_from_bytes(m, s, n, &v) < 0)
			return -1;
		return push(m, v);
	case 'V': /* UNICODE: raw-unicode-escape */
		if (readline(m, &line, &len) < 0)
			return -1;
		if (content(len) > m->lim->max_string) {
			v = mk(K_STR);
			v.flags = F_LONG;
		} else if (decode_raw_unicode_escape(m, line, content(len), &v) < 0) {
			return -1;
		}
		return push(m, v);
	case 'X':  /* BINUNICODE */
	case 0x8c: /* SHORT_BINUNICODE */
	case 0x8d: /* BINUNICODE8 */
	{
		int w = op == 'X' ? 4 : op == 0x8c ? 1 : 8;
		if (need(m, (size_t)w, &s) < 0)
			return -1;
		n = le(s, w);
		if (n > (uint64_t)INT64_MAX)
			return fail(m, "BINUNICODE8 exceeds system's maximum size");
		if ((uint64_t)(m->end - m->p) < n)
			return fail(m, "pickle data was truncated");
		if (need(m, (size_t)n, &s) < 0 || str_from_input(m, s, n, &v) < 0)
			return -1;
		return push(m, v);
	}
	case 'B':  /* BINBYTES */
	case 'C':  /* SHORT_BINBYTES */
	case 0x8e: /* BINBYTES8 */
	case 0x96: /* BYTEARRAY8 */
	{
		int w = op == 'B' ? 4 : op == 'C' ? 1 : 8;
		if (need(m, (size_t)w, &s) < 0)
			return -1;
		n = le(s, w);
		if (n > (uint64_t)INT64_MAX)
			return fail(m, "byte count exceeds system's maximum size");
		if ((uint64_t)(m->end - m->p) < n || need_into(m, (size_t)n) < 0)
			return fail(m, "pickle data was truncated");
		v = mk(K_BYTES);
		return push(m, v);
	}
	case ')':
		v = mk(K_TUPLE);
		return push(m, v);
	case 't': /* TUPLE */
		if (marker(m, &mark) < 0 || make_container(m, K_TUPLE, mark, &v) < 0)
			return -1;
		return push(m, v);
	case 0x85: /* TUPLE1 */
	case 0x86:
	case 0x87: {
		size_t k = (size_t)(op - 0x84);
		if (m->sp < k || m->sp - k < m->fence)
			return underflow(m);
		if (make_container(m, K_TUPLE, m->sp - k, &v) < 0)
			return -1;
		return push(m, v);
	}
	case ']':
		if (make_container(m, K_LIST, m->sp, &v) < 0)
			return -1;
		return push(m, v);
	case 'l': /* LIST */
		if (marker(m, &mark) < 0 || make_container(m, K_LIST, mark, &v) < 0)
			return -1;
		return push(m, v);
	case '}':
		if (make_container(m, K_DICT, m->sp, &v) < 0)
			return -1;
		return push(m, v);
	case 'd': /* DICT */
		if (marker(m, &mark) < 0)
			return -1;
		if ((m->sp - mark) % 2)
			return fail(m, "odd number of items for DICT");
		if (make_container(m, K_DICT, mark, &v) < 0)
			return -1;
		return push(m, v);
	case 0x8f: /* EMPTY_SET */
		if (make_container(m, K_SET, m->sp, &v) < 0)
			return -1;
		return push(m, v);
	case 0x91: /* FROZENSET */
		if (marker(m, &mark) < 0 || make_container(m, K_FROZENSET, mark, &v) < 0)
			return -1;
		return push(m, v);
	case 'a': /* APPEND */
		if (m->sp == 0)
			return underflow(m);
		return append_items(m, m->sp - 1, "APPEND");
	case 'e': /* APPENDS */
		if (marker(m, &mark) < 0)
			return -1;
		return append_items(m, mark, "APPENDS");
	case 's': /* SETITEM */
		if (m->sp < 2)
			return underflow(m);
		return append_items(m, m->sp - 2, "SETITEM");
	case 'u': /* SETITEMS */
		if (marker(m, &mark) < 0)
			return -1;
		if (mark <= m->sp && (m->sp - mark) % 2)
			return fail(m, "odd number of items for SETITEMS");
		return append_items(m, mark, "SETITEMS");
	case 0x90: /* ADDITEMS */
		if (marker(m, &mark) < 0)
			return -1;
		return append_items(m, mark, "ADDITEMS");
	case 'g': /* GET */
		if (readline(m, &line, &len) < 0)
			return -1;
		if (len < 2)
			return fail(m, "GET: empty argument");
		if (parse_line_int(line, content(len), &iv) < 0)
			return fail(m, "GET: invalid index");
		if (iv < 0)
			return fail(m, "Memo value not found at negative index");
		return memo_get(m, (uint64_t)iv);
	case 'h': /* BINGET */
		if (need(m, 1, &s) < 0)
			return -1;
		return memo_get(m, s[0]);
	case 'j': /* LONG_BINGET */
		if (need(m, 4, &s) < 0)
			return -1;
		return memo_get(m, le(s, 4));
	case 'p': /* PUT */
		if (readline(m, &line, &len) < 0)
			return -1;
		if (len < 2)
			return fail(m, "PUT: empty argument");
		if (top(m, &t) < 0)
			return -1;
		if (parse_line_int(line, content(len), &iv) < 0)
			return fail(m, "PUT: invalid index");
		if (iv < 0)
			return fail(m, "negative PUT argument");
		return memo_put(m, (uint64_t)iv, *t);
	case 'q': /* BINPUT */
		if (need(m, 1, &s) < 0 || top(m, &t) < 0)
			return -1;
		return memo_put(m, s[0], *t);
	case 'r': /* LONG_BINPUT */
		if (need(m, 4, &s) < 0 || top(m, &t) < 0)
			return -1;
		return memo_put(m, le(s, 4), *t);
	case 0x94: /* MEMOIZE: index = number of memo entries */
		if (top(m, &t) < 0)
			return -1;
		return memo_put(m, m->memo_len, *t);
	case 'c': /* GLOBAL */
		if (global_from_lines(m, "GLOBAL", false, &v) < 0)
			return -1;
		return push(m, v);
	case 0x93: /* STACK_GLOBAL: name, then module, both exact str */
		if (pop(m, &b) < 0 || pop(m, &a) < 0)
			return -1;
		if (computed_p(&a) || computed_p(&b)) {
			/* A module or name made at load time (_codecs.encode('cbfvk',
			 * 'rot13') is 'posix'): the import is whatever the call
			 * returns. No pickler writes this; it is an attack. */
			if (import_global(m, "<computed>", 10, "<computed>", 10, "STACK_GLOBAL",
					  "module or name computed by a call at load time", SCAN_DANGEROUS,
					  &v) < 0)
				return -1;
			return push(m, v);
		}
		if (a.kind != K_STR || b.kind != K_STR)
			return fail(m, "STACK_GLOBAL requires str");
		if ((a.flags | b.flags) & F_LONG) {
			/* Content not kept (longer than the limit): an import we cannot name. */
			if (import_global(m, "<long string>", 13, "<long string>", 13, "STACK_GLOBAL",
					  "operands longer than the scanner keeps", SCAN_UNKNOWN, &v) < 0)
				return -1;
		} else if (import_global(m, a.s, a.len, b.s, b.len, "STACK_GLOBAL", NULL, SCAN_SAFE, &v) <
			   0) {
			return -1;
		}
		return push(m, v);
	case 0x82: /* EXT1 */
	case 0x83: /* EXT2 */
	case 0x84: /* EXT4 */
	{
		int w = op == 0x82 ? 1 : op == 0x83 ? 2 : 4;
		char code[32];
		if (need(m, (size_t)w, &s) < 0)
			return -1;
		n = le(s, w);
		if (w == 4 && (int32_t)n < 0)
			return fail(m, "EXT specifies code <= 0");
		if (n == 0)
			return fail(m, "EXT specifies code <= 0");
		/* The global is whatever copyreg.add_extension registered in the
		 * loading process: nothing the file alone can vouch for. */
		snprintf(code, sizeof(code), "%llu", (unsigned long long)n);
		if (import_global(
			m, "<copyreg extension>", 19, code, strlen(code),
			w == 1	 ? "EXT1"
			: w == 2 ? "EXT2"
				 : "EXT4",
			"extension code: resolves to whatever copyreg registered in the loading process",
			SCAN_UNKNOWN, &v) < 0)
			return -1;
		return push(m, v);
	}
	case 'i': /* INST: two ASCII lines and the mark */
		/* The C Unpickler finds the mark first; Python's load_inst imports
		 * the class first and then finds no mark. */
		if (m->mode != READ_PY_FILE && marker(m, &mark) < 0)
			return -1;
		if (global_from_lines(m, "INST", true, &c) < 0)
			return -1;
		if (m->mode == READ_PY_FILE && marker(m, &mark) < 0)
			return -1;
		if (make_container(m, K_TUPLE, mark, &a) < 0 || call_value(m, &c, a, "INST", &v) < 0)
			return -1;
		return push(m, v);
	case 'o': /* OBJ: class is the first item after the mark */
		if (marker(m, &mark) < 0)
			return -1;
		if (m->sp - mark < 1)
			return underflow(m);
		c = m->stack[mark];
		if (make_container(m, K_TUPLE, mark + 1, &a) < 0)
			return -1;
		m->sp = mark;
		if (call_value(m, &c, a, "OBJ", &v) < 0)
			return -1;
		return push(m, v);
	case 'R': /* REDUCE */
		if (pop(m, &a) < 0 || top(m, &t) < 0)
			return -1;
		c = *t;
		if (call_value(m, &c, a, "REDUCE", &v) < 0)
			return -1;
		*t = v;
		return 0;
	case 0x81: /* NEWOBJ: cls.__new__(cls, *args) */
		if (pop(m, &a) < 0 || pop(m, &c) < 0)
			return -1;
		if (call_value(m, &c, a, "NEWOBJ", &v) < 0)
			return -1;
		return push(m, v);
	case 0x92: /* NEWOBJ_EX */
		if (pop(m, &b) < 0 || pop(m, &a) < 0 || pop(m, &c) < 0)
			return -1;
		if (call_value(m, &c, a, "NEWOBJ_EX", &v) < 0)
			return -1;
		return push(m, v);
	case 'b': /* BUILD */
		return do_build(m);
	case 'P': /* PERSID: ASCII line to persistent_load */
		if (readline(m, &line, &len) < 0)
			return -1;
		if (empty_refused(m, len))
			return fail(m, "PERSID: empty id");
		for (size_t j = 0; j < content(len); j++)
			if ((unsigned char)line[j] >= 0x80)
				return fail(m, "persistent IDs in protocol 0 must be ASCII strings");
		return push(m, mk(K_PERSID));
	case 'Q': /* BINPERSID */
		if (pop(m, &v) < 0)
			return -1;
		return push(m, mk(K_PERSID));
	case 0x80: /* PROTO */
		if (need(m, 1, &s) < 0)
			return -1;
		if (s[0] > 5)
			return fail(m, "unsupported pickle protocol: %d", s[0]);
		m->proto = s[0];
		return 0;
	case 0x95: /* FRAME */
		if (need(m, 8, &s) < 0)
			return -1;
		n = le(s, 8);
		if (n > (uint64_t)INT64_MAX)
			return fail(m, "FRAME length exceeds system's maximum");
		m->saw_frame = true;
		if (m->mode == READ_PY_FILE) {
			/* _Unframer.load_frame: the last frame must be used up; the
			 * new one is what file.read(n) returns, however short */
			if (m->frame_end && m->p != m->frame_end) {
				m->crossed = true;
				return fail(m, "beginning of a new frame before end of current frame");
			}
			const uint8_t *at = m->frame_end ? m->fpos : m->p;
			size_t have = (size_t)(m->end - at);
			m->p = at;
			m->frame_end = m->fpos = at + (n < have ? n : have);
			return 0;
		}
		if (m->mode == READ_C_FILE && !(m->win_end && left(m, m->win_end) >= n)) {
			/* read(n) into a new buffer, what was left of the old one lost */
			if (m->win_end) {
				m->crossed |= m->p < m->win_end;
				m->p = m->win_end;
			}
			m->win_end = NULL;
			if ((uint64_t)(m->end - m->p) < n)
				return fail(m, "pickle data was truncated (frame)");
			m->win_end = m->p + n;
			return 0;
		}
		/* the bytes must be there; then it is read on as if there were no
		 * frame. Whether the frame tells the truth (ends where an opcode
		 * starts, nothing crosses it) decides if the file readers are run. */
		if (m->win_end && m->p < m->win_end)
			m->crossed = true;
		if ((uint64_t)(m->end - m->p) < n) {
			m->win_end = NULL; /* never a window past the data */
			m->crossed = true;
			return fail(m, "pickle data was truncated (frame)");
		}
		m->win_end = m->p + n;
		return 0;
	case 0x97: /* NEXT_BUFFER: out-of-band data, never given by loaders */
		return fail(m,
			    "pickle stream refers to out-of-band data but no *buffers* argument was given");
	case 0x98: /* READONLY_BUFFER */
		if (top(m, &t) < 0)
			return -1;
		return 0;
	default:
		return fail(m, "invalid load key, '\\x%02x'", op);
	}
}

static void machine_free(struct machine *m)
{
	free(m->stack);
	free(m->marks);
	free(m->memo);
	free(m->nodes);
	for (size_t j = 0; j < m->npool; j++)
		free(m->pool[j]);
	free(m->pool);
}

static int run(const uint8_t *p, size_t len, size_t *used, struct pickle_sink *sink, struct scan_error *err,
	       int mode, bool *saw_frame, bool *crossed)
{
	struct machine m = {.p = p,
			    .start = p,
			    .end = p + len,
			    .sink = sink,
			    .lim = &sink->opt->limits,
			    .err = err,
			    .mode = mode};
	bool stop = false;
	int rc = 0;

	while (!stop && (rc = step(&m, &stop)) == 0)
		;
	/* where the file is left: after the buffer or frame last read */
	const uint8_t *after = m.p;
	if (m.mode == READ_C_FILE && m.win_end && m.win_end > after)
		after = m.win_end;
	if (m.mode == READ_PY_FILE && m.frame_end && m.fpos > after)
		after = m.fpos;
	*used = (size_t)(after - p);
	*saw_frame = m.saw_frame;
	*crossed = m.crossed;
	machine_free(&m);
	return rc;
}

static bool same_global(const struct scan_global *a, const struct scan_global *b)
{
	return a->offset == b->offset && strcmp(a->module, b->module) == 0 && strcmp(a->name, b->name) == 0;
}

/* Is tmp's global k already among res's globals from first on? The readings
 * agree up to where one stops, so the same index is tried first. */
static bool have_global(const struct scan_result *res, size_t first, const struct scan_global *g, size_t k)
{
	if (first + k < res->nglobals && same_global(g, &res->globals[first + k]))
		return true;
	for (size_t h = first; h < res->nglobals; h++)
		if (same_global(g, &res->globals[h]))
			return true;
	return false;
}

static bool same_issue(const struct scan_issue *a, const struct scan_issue *b)
{
	return a->offset == b->offset && a->verdict == b->verdict && a->what && b->what &&
	       strcmp(a->what, b->what) == 0;
}

static bool have_issue(const struct scan_result *res, size_t first, const struct scan_issue *i, size_t k)
{
	if (first + k < res->nissues && same_issue(i, &res->issues[first + k]))
		return true;
	for (size_t h = first; h < res->nissues; h++)
		if (same_issue(i, &res->issues[h]))
			return true;
	return false;
}

int pickle_scan_one(const uint8_t *p, size_t len, size_t *used, struct pickle_sink *sink,
		    struct scan_error *err)
{
	struct scan_result *res = sink->res;
	size_t gfirst = res->nglobals, ifirst = res->nissues;
	bool saw_frame = false, crossed = false;
	int rc = run(p, len, used, sink, err, READ_BYTES, &saw_frame, &crossed);
	bool frames = saw_frame && crossed;
	/* Python's reader (joblib, pickle._Unpickler) goes on where the C one
	 * raises: a line at the end of the file needs no newline, an empty
	 * module or name line is the empty string, a frame may be short, INST
	 * imports before it looks for its MARK. All of that happens only where
	 * the C reading stops; with no frame and no error, every reader agrees. */
	if (!frames && rc == 0)
		return rc;
	/* The other readings: what they import counts; that they fail where
	 * pickle.loads does not (or the reverse) is their business. */
	bool disagree = false;
	for (int mode = frames ? READ_C_FILE : READ_PY_FILE; mode <= READ_PY_FILE; mode++) {
		struct scan_result tmp = {0};
		struct pickle_sink s2 = *sink;
		struct scan_error e2 = {0};
		size_t u2;
		bool sf, cr = false;
		s2.res = &tmp;
		run(p, len, &u2, &s2, &e2, mode, &sf, &cr);
		disagree |= cr;
		for (size_t g = 0; g < tmp.nglobals; g++) {
			struct scan_global *sg = &tmp.globals[g];
			if (have_global(res, gfirst, sg, g))
				continue;
			int at = scan_add_global(res, sink->opt, sg->module, sg->name, sg->member, sg->offset,
						 sg->opcode, sg->verdict, sg->reason);
			if (at >= 0)
				res->globals[at].called = sg->called;
		}
		/* globals past the listing limit are judged all the same */
		scan_raise(res, tmp.verdict == SCAN_ERROR ? SCAN_SAFE : tmp.verdict);
		for (size_t g = 0; g < tmp.nissues; g++)
			if (!have_issue(res, ifirst, &tmp.issues[g], g))
				scan_add_issue(res, tmp.issues[g].verdict, tmp.issues[g].member,
					       tmp.issues[g].offset, "%s", tmp.issues[g].what);
		scan_result_free(&tmp);
	}
	if (disagree)
		scan_add_issue(res, SCAN_UNKNOWN, sink->member, sink->base,
			       "FRAME lengths disagree with the opcodes: pickle.loads and file readers read "
			       "different pickles");
	return rc;
}

bool pickle_looks_like_p(const uint8_t *p, size_t len)
{
	if (len < 2)
		return false;
	if (p[0] == 0x80)
		return p[1] <= 5;
	/* Protocol 0/1 pickles start with a text or binary opcode. */
	return strchr("(cdl]}KJMNISVUXTFG)ipe", p[0]) != NULL && p[0] != 0;
}

/* Could CPython's Unpickler get past the first opcode of p? false (with the
 * reason in why) only where it certainly raises there, before it imports or
 * calls anything: the byte is no opcode; the opcode needs a stack item, a
 * MARK or a memo entry (all empty at the start); its operand runs past the
 * end; a text operand cannot start the way int(), float() or a quoted STRING
 * must. Deliberately independent of the machine above: this decides what is
 * not scanned at all, so it claims only what holds for every input. */
static bool line_present(const uint8_t *p, size_t len) { return memchr(p, '\n', len) != NULL; }

/* Python's readline()[:-1] at q (the data ends at e): *n bytes of content;
 * returns where the next line starts. */
static const uint8_t *py_line(const uint8_t *q, const uint8_t *e, size_t *n)
{
	const uint8_t *nl = memchr(q, '\n', (size_t)(e - q));
	const uint8_t *next = nl ? nl + 1 : e;
	*n = next > q ? (size_t)(next - q) - 1 : 0;
	return next;
}

static bool ascii_p(const uint8_t *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (s[k] >= 0x80)
			return false;
	return true;
}

/* Is c an opcode of some protocol (0 to 5)? */
static bool opcode_p(uint8_t c)
{
	return (c >= 0x80 && c <= 0x98) || (c && strchr("(.012BCFGIJKLMNPQRSTUVXabcdeghijlopqrstu]})", c));
}

bool pickle_cannot_start_p(const uint8_t *p, size_t len, char *why, size_t cap)
{
	const uint8_t *a = p + 1;
	size_t rest = len ? len - 1 : 0;
	uint64_t n;
	int w;

	if (len == 0) {
		snprintf(why, cap, "empty");
		return true;
	}
	switch (p[0]) {
	/* Operands only, never failing, or reaching outside the unpickler
	 * (GLOBAL imports, PERSID calls persistent_load, EXT looks up copyreg):
	 * these are pickles to scan. PROTO: a binary pickle, even a broken one. */
	case 'N':
	case '(':
	case ')':
	case ']':
	case '}':
	case 0x88:
	case 0x89:
	case 0x8f:
		/* ... unless the next byte is no opcode: CPython raises there
		 * ("]\0" starts every lzma-alone file) */
		if (rest && !opcode_p(a[0])) {
			snprintf(why, cap, "invalid load key 0x%02x at offset 1", a[0]);
			return true;
		}
		return false;
	case 'c':
	case 'P':
	case 0x80:
		return false;
	case 'i': {
		/* INST: the C Unpickler wants a MARK first, but Python's
		 * (joblib's) reads both lines and imports the class before it
		 * looks for the mark: not a pickle only when a line does not
		 * decode as ASCII, which raises before the import. */
		size_t n1, n2;
		const uint8_t *l2 = py_line(a, a + rest, &n1);
		py_line(l2, a + rest, &n2);
		if (ascii_p(a, n1) && ascii_p(l2, n2))
			return false;
		snprintf(why, cap, "INST (i) with a module or name that is not ASCII");
		return true;
	}
	case 0x82:
	case 0x83:
	case 0x84:
		w = p[0] == 0x82 ? 1 : p[0] == 0x83 ? 2 : 4;
		if (rest < (size_t)w)
			break;
		n = le(a, w);
		if (n == 0 || (w == 4 && (int32_t)n < 0)) {
			snprintf(why, cap, "EXT code 0");
			return true;
		}
		return false;
	/* Need something on the stack, a MARK or a memo entry. */
	case '.':
	case '0':
	case '1':
	case '2':
	case 'a':
	case 'b':
	case 'e':
	case 'l':
	case 'd':
	case 's':
	case 't':
	case 'u':
	case 'R':
	case 'o':
	case 'Q':
	case 'q':
	case 'r':
	case 'p':
	case 'g':
	case 'h':
	case 'j':
	case 0x81:
	case 0x85:
	case 0x86:
	case 0x87:
	case 0x90:
	case 0x91:
	case 0x92:
	case 0x93:
	case 0x94:
	case 0x98:
		snprintf(why, cap, "opcode 0x%02x needs a stack item, a MARK or a memo entry", p[0]);
		return true;
	case 0x97: /* NEXT_BUFFER: no loader passes buffers */
		snprintf(why, cap, "out-of-band buffer");
		return true;
	/* Fixed-size operands. */
	case 'J':
	case 'K':
	case 'M':
	case 'G':
		w = p[0] == 'J' ? 4 : p[0] == 'K' ? 1 : p[0] == 'M' ? 2 : 8;
		if (rest < (size_t)w)
			break;
		return false;
	case 0x95: /* FRAME: Python's _Unframer reads a frame longer than the
		    * file as far as it goes (joblib), so only a cut length or one
		    * past sys.maxsize raises at once */
		if (rest < 8 || le(a, 8) > (uint64_t)INT64_MAX)
			break;
		return false;
	/* Counted operands: the count must fit in what is left. */
	case 'T':
	case 'U':
	case 'X':
	case 'B':
	case 'C':
	case 0x8a:
	case 0x8b:
	case 0x8c:
	case 0x8d:
	case 0x8e:
	case 0x96:
		w = p[0] == 'U' || p[0] == 'C' || p[0] == 0x8a || p[0] == 0x8c	? 1
		    : p[0] == 'T' || p[0] == 'X' || p[0] == 'B' || p[0] == 0x8b ? 4
										: 8;
		if (rest < (size_t)w)
			break;
		n = le(a, w);
		if ((p[0] == 'T' || p[0] == 0x8b) && (int32_t)n < 0) {
			snprintf(why, cap, "negative count");
			return true;
		}
		if (n > rest - (size_t)w)
			break;
		return false;
	/* Text operands: a line, and a first byte int()/float() can start with. */
	case 'I':
	case 'L':
	case 'F':
	case 'S':
	case 'V':
		if (!line_present(a, rest))
			break;
		if (p[0] == 'V')
			return false;
		if (p[0] == 'S') {
			size_t l = (size_t)((const uint8_t *)memchr(a, '\n', rest) - a);
			if (l >= 2 && a[0] == a[l - 1] && (a[0] == '\'' || a[0] == '"'))
				return false;
			snprintf(why, cap, "STRING (S) without a quoted string");
			return true;
		}
		/* strtol, PyLong_FromString, PyOS_string_to_double: leading
		 * space, a sign, a digit; '.', inf and nan for floats; an empty
		 * C string (NUL first) is INT 0. */
		if (strchr("0123456789+- \t\n\v\f\r", a[0]) || a[0] == 0 ||
		    (p[0] == 'F' && strchr(".iInN", a[0])))
			return false;
		snprintf(why, cap, "%s without a number",
			 p[0] == 'F'   ? "FLOAT (F)"
			 : p[0] == 'I' ? "INT (I)"
				       : "LONG (L)");
		return true;
	default:
		snprintf(why, cap, "0x%02x is not a pickle opcode", p[0]);
		return true;
	}
	snprintf(why, cap, "the operand of opcode 0x%02x runs past the end", p[0]);
	return true;
}

int pickle_scan_stream(const uint8_t *p, size_t len, size_t max, size_t *count, size_t *used,
		       struct pickle_sink *sink, struct scan_error *err)
{
	size_t off = 0, one;
	uint64_t base = sink->base;

	*count = 0;
	while (off < len && *count < max) {
		struct scan_error e2 = {0};
		sink->base = base + off;
		if (pickle_scan_one(p + off, len - off, &one, sink, *count ? &e2 : err) < 0) {
			sink->base = base;
			*used = off;
			/* The first must parse; a broken trailer after a complete pickle
			 * is data pickle.load never reads, but what it imported counts. */
			return *count ? 0 : -1;
		}
		off += one;
		(*count)++;
	}
	sink->base = base;
	*used = off;
	return 0;
}

/* --- state access for after_build hooks. */

static const struct val *dict_get(const void *state, const char *key, struct machine **mp)
{
	const struct state_ref *r = state;
	struct machine *m = r->m;
	*mp = m;
	if (r->v.kind != K_DICT || !r->v.ref)
		return NULL;
	struct node *n = &m->nodes[r->v.ref];
	size_t cnt = n->n < NODE_ITEMS ? n->n : NODE_ITEMS;
	for (size_t j = 0; j + 1 < cnt; j += 2) {
		const struct val *k = &n->items[j];
		if (k->kind == K_STR && !(k->flags & F_LONG) && strlen(key) == k->len &&
		    memcmp(k->s, key, k->len) == 0)
			return &n->items[j + 1];
	}
	return NULL;
}

bool pickle_state_dict_get_int(const void *state, const char *key, long long *out)
{
	struct machine *m;
	const struct val *v = dict_get(state, key, &m);
	if (!v || (v->kind != K_INT && v->kind != K_BOOL))
		return false;
	*out = v->i;
	return true;
}

bool pickle_state_dict_get_ints(const void *state, const char *key, long long *out, size_t max, size_t *cnt)
{
	struct machine *m;
	const struct val *v = dict_get(state, key, &m);
	if (!v || (v->kind != K_TUPLE && v->kind != K_LIST))
		return false;
	if (!v->ref)
		return v->len == 0 ? (*cnt = 0, true) : false;
	struct node *n = &m->nodes[v->ref];
	if (n->n > NODE_ITEMS || n->n > max)
		return false;
	for (size_t j = 0; j < n->n; j++) {
		if (n->items[j].kind != K_INT)
			return false;
		out[j] = n->items[j].i;
	}
	*cnt = n->n;
	return true;
}

bool pickle_state_dict_get_str(const void *state, const char *key, char *out, size_t cap)
{
	struct machine *m;
	const struct val *v = dict_get(state, key, &m);
	if (!v || v->kind != K_STR || (v->flags & F_LONG) || v->len >= cap)
		return false;
	memcpy(out, v->s, v->len);
	out[v->len] = 0;
	return true;
}

bool pickle_state_dict_get_dtype(const void *state, const char *key, char *out, size_t cap, long long *elsize,
				 long long *flags)
{
	struct machine *m;
	const struct val *v = dict_get(state, key, &m);
	/* numpy.dtype(str, align, copy) with BUILD state (ver, order, subdescr,
	 * names, fields, elsize, alignment, flags) */
	if (!v || v->kind != K_OBJ || !v->ref)
		return false;
	struct node *n = &m->nodes[v->ref];
	if (!n->callee || strcmp(n->callee, "numpy") != 0 || strcmp(n->callee + 6, "dtype") != 0)
		return false;
	const struct val *args = &n->items[0];
	if (args->kind != K_TUPLE || !args->ref || m->nodes[args->ref].n < 1)
		return false;
	const struct val *s = &m->nodes[args->ref].items[0];
	if (s->kind != K_STR || (s->flags & F_LONG) || s->len >= cap)
		return false;
	memcpy(out, s->s, s->len);
	out[s->len] = 0;
	*elsize = -1;
	*flags = 0; /* numpy's default when the state has none */
	if (n->n >= 2 && n->items[1].kind != K_NONE) {
		/* a state numpy's __setstate__ reads: anything not a plain tuple
		 * of these is not followed */
		if (n->items[1].kind != K_TUPLE || !n->items[1].ref)
			return false;
		struct node *st = &m->nodes[n->items[1].ref];
		if (st->n > NODE_ITEMS)
			return false;
		if (st->n >= 6 && st->items[5].kind == K_INT)
			*elsize = st->items[5].i;
		else if (st->n >= 6)
			return false;
		/* flags: numpy trusts them for void dtypes, hasobject included
		 * (a sub-array of objects is V16 whose flags say so) */
		if (st->n >= 8 && st->items[7].kind == K_INT)
			*flags = st->items[7].i;
		else if (st->n >= 8)
			return false;
		/* state[3], state[4]: names and fields of a structured dtype. For
		 * a void dtype numpy takes itemsize and hasobject from elsize and
		 * flags whatever the fields say (sklearn's tree nodes are such
		 * records); on any other type they are not followed. */
		const char *t = out + (out[0] == '<' || out[0] == '>' || out[0] == '|' || out[0] == '=');
		if (st->n >= 4 && st->items[3].kind != K_NONE && *t != 'V')
			return false;
	}
	return true;
}
