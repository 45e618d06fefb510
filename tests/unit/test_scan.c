/* The pickle opcode machine and the verdict tables: opcode semantics that
 * decide which global a pickle reaches (memo, marks, fence, STACK_GLOBAL,
 * text operands), verdicts, and limits. */
#include <stdlib.h>

#include "scan/scan.h"
#include "unit.h"

static struct scan_options opt;

/* Scan bytes as a whole file; returns the verdict, fills *r. */
static enum scan_verdict scan(const char *p, size_t n, struct scan_result *r)
{
	scan_buffer((const uint8_t *)p, n, "t", &opt, r);
	return r->verdict;
}
#define S(lit) lit, sizeof(lit) - 1

static int verdict_of(const char *p, size_t n)
{
	struct scan_result r;
	int v = scan(p, n, &r);
	scan_result_free(&r);
	return v;
}

static int first_global_is(const char *p, size_t n, const char *mod, const char *name)
{
	struct scan_result r;
	scan(p, n, &r);
	int ok = r.nglobals > 0 && strcmp(r.globals[0].module, mod) == 0 && strcmp(r.globals[0].name, name) == 0;
	scan_result_free(&r);
	return ok;
}

int main(void)
{
	const char *reason;
	struct scan_result r;

	scan_limits_default(&opt.limits);
	CHECK("benign protocol 2 dict is safe", verdict_of(S("\x80\x02}q\x00X\x01\x00\x00\x00" "aK\x01s.")) == SCAN_SAFE);
	CHECK("GLOBAL os.system is dangerous", verdict_of(S("cos\nsystem\n.")) == SCAN_DANGEROUS);
	CHECK("fix_imports maps __builtin__ below protocol 3",
	      first_global_is(S("\x80\x02" "c__builtin__\nset\n."), "builtins", "set") &&
		      verdict_of(S("\x80\x02" "c__builtin__\nset\n.")) == SCAN_SAFE);
	CHECK("no mapping from protocol 3", first_global_is(S("\x80\x03" "c__builtin__\nset\n."), "__builtin__", "set"));
	CHECK("STACK_GLOBAL takes module then name",
	      first_global_is(S("\x80\x04\x8c\x02os\x8c\x06system\x93."), "os", "system"));
	CHECK("STACK_GLOBAL operands from the memo",
	      first_global_is(S("\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x30\x30h\x00h\x01\x93."), "os", "system"));
	CHECK("MEMOIZE index is the memo length",
	      first_global_is(S("\x80\x04\x8c\x01xr\x09\x00\x00\x00\x8c\x02os\x94\x8c\x01y\x94\x30\x30\x30h\x01h\x01\x93."),
			      "os", "os"));
	CHECK("memo overwrite: the last PUT wins",
	      first_global_is(S("\x80\x04\x8c\x01" "aq\x01\x8c\x02" "osq\x01\x8c\x01" "bq\x02\x8c\x06" "systemq\x02" "0000h\x01h\x02\x93."),
			      "os", "system"));
	CHECK("text PUT index ends at NUL, like CPython",
	      first_global_is(S("(S'os'\np5\x00junk\n0S'system'\np6\n0g5\ng6\n\x93."), "os", "system"));
	CHECK("text PUT index with underscores and spaces",
	      first_global_is(S("S'os'\np 1_0 \n0S'x'\np11\n0g10\ng11\n\x93."), "os", "x"));
	CHECK("GET of a missing index is an error", verdict_of(S("g7\n.")) == SCAN_ERROR);
	CHECK("STRING escapes decoded", first_global_is(S("S'\\x6fs'\nS'sys\\164em'\n\x93."), "os", "system"));
	CHECK("UNICODE raw-unicode-escape decoded", first_global_is(S("V\\u006fs\nVsystem\n\x93."), "os", "system"));
	CHECK("STACK_GLOBAL requires str", verdict_of(S("K\x01K\x02\x93.")) == SCAN_ERROR);
	CHECK("fence: REDUCE cannot reach below a MARK", verdict_of(S("cos\nsystem\n()R.")) == SCAN_DANGEROUS);
	scan(S("cbuiltins\nlist\n()R."), &r);
	CHECK("fence: REDUCE below a MARK is an error", r.error != NULL);
	scan_result_free(&r);
	CHECK("POP pops a MARK on top", verdict_of(S("K\x01(0.")) == SCAN_SAFE);
	CHECK("INST calls", verdict_of(S("(S'id'\nios\nsystem\n.")) == SCAN_DANGEROUS);
	scan(S("(S'id'\nios\nsystem\n."), &r);
	CHECK("INST global marked called at its offset", r.nglobals == 1 && r.globals[0].called && r.globals[0].offset == 7);
	scan_result_free(&r);
	CHECK("OBJ", verdict_of(S("(cos\nsystem\nS'id'\no.")) == SCAN_DANGEROUS);
	CHECK("EXT is unknown", verdict_of(S("\x80\x02\x82\x01.")) == SCAN_UNKNOWN);
	CHECK("EXT code 0 is an error", verdict_of(S("\x80\x02\x82\x00.")) == SCAN_ERROR);
	CHECK("BUILD on an imported global is dangerous",
	      verdict_of(S("\x80\x02" "ccollections\nOrderedDict\n}b.")) == SCAN_DANGEROUS);
	CHECK("calling a call's result is unknown",
	      verdict_of(S("\x80\x02" "ccollections\nOrderedDict\n)R)R.")) == SCAN_UNKNOWN);
	CHECK("PROTO 6 is an error", verdict_of(S("\x80\x06N.")) == SCAN_ERROR);
	CHECK("truncated BINUNICODE is an error", verdict_of(S("\x80\x04X\xff\x00\x00\x00ab")) == SCAN_ERROR);
	CHECK("huge BINBYTES8 is an error", verdict_of(S("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\xff.")) == SCAN_ERROR);
	CHECK("FRAME longer than the data is an error", verdict_of(S("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00N.")) == SCAN_ERROR);
	CHECK("no STOP is an error", verdict_of(S("\x80\x02K\x01")) == SCAN_ERROR);
	CHECK("line without newline is an error", verdict_of(S("cos\nsystem")) == SCAN_ERROR);
	CHECK("stacked pickles: the second is scanned", verdict_of(S("N.cos\nsystem\n.")) == SCAN_DANGEROUS);
	CHECK("stacked pickles: a broken trailer after a good pickle is not an error", verdict_of(S("N.\xff\xff")) == SCAN_SAFE);
	CHECK("DICT with odd items is an error", verdict_of(S("(K\x01" "d.")) == SCAN_ERROR);
	CHECK("SETITEMS with odd items is an error", verdict_of(S("}(K\x01u.")) == SCAN_ERROR);
	CHECK("NEXT_BUFFER is an error", verdict_of(S("\x80\x05\x97.")) == SCAN_ERROR);
	CHECK("INT 01 is a bool, text ints fine", verdict_of(S("I01\nI-5\nL12L\nF1.5\n\x86.")) == SCAN_SAFE);

	/* verdict tables */
	CHECK("allow: torch rebuild", allowlist_verdict("torch._utils", "_rebuild_tensor_v2", &opt, &reason) == SCAN_SAFE);
	CHECK("allow: numpy reconstruct",
	      allowlist_verdict("numpy.core.multiarray", "_reconstruct", &opt, &reason) == SCAN_SAFE);
	CHECK("allow: torch.nn classes", allowlist_verdict("torch.nn.modules.linear", "Linear", &opt, &reason) == SCAN_SAFE);
	CHECK("deny: submodule os.path", allowlist_verdict("os.path", "join", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("deny: posix", allowlist_verdict("posix", "system", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("deny: builtins.getattr", allowlist_verdict("builtins", "getattr", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("not a prefix match: osx", allowlist_verdict("osx", "thing", &opt, &reason) == SCAN_UNKNOWN);
	CHECK("dunder path", allowlist_verdict("collections", "OrderedDict.__init__", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("attribute path to os", allowlist_verdict("torch.serialization", "os.system", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("unknown by default", allowlist_verdict("mypkg", "Model", &opt, &reason) == SCAN_UNKNOWN);
	const char *allow[] = { "mypkg.Model", "other.*" };
	struct scan_options o2 = opt;
	o2.allow = allow;
	o2.nallow = 2;
	CHECK("--allow exact", allowlist_verdict("mypkg", "Model", &o2, &reason) == SCAN_SAFE);
	CHECK("--allow module.*", allowlist_verdict("other.sub", "Thing", &o2, &reason) == SCAN_SAFE);
	CHECK("--allow never overrides the deny-list", allowlist_verdict("os", "system", &o2, &reason) == SCAN_DANGEROUS);
	CHECK("--allow entry syntax", allowlist_entry_valid_p("a.b") && allowlist_entry_valid_p("a.*") &&
					      !allowlist_entry_valid_p("a") && !allowlist_entry_valid_p("a..b") &&
					      !allowlist_entry_valid_p("a b.c") && !allowlist_entry_valid_p("*.a"));

	/* limits */
	struct scan_options small = opt;
	small.limits.max_stack = 4;
	struct scan_result r2;
	scan_buffer((const uint8_t *)"NNNNNNN.", 8, "t", &small, &r2);
	CHECK("stack limit", r2.verdict == SCAN_ERROR);
	scan_result_free(&r2);
	small = opt;
	small.limits.max_globals = 1;
	scan_buffer((const uint8_t *)"cmypkg\na\ncos\nsystem\n.", 21, "t", &small, &r2);
	CHECK("globals past the record limit are still judged", r2.verdict == SCAN_DANGEROUS && r2.nglobals == 1 &&
									 r2.globals_seen == 2);
	scan_result_free(&r2);
	return unit_failures ? 1 : 0;
}
