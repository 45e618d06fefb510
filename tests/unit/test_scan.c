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
	CHECK("GET of a missing index is an error", verdict_of(S("N0g7\n.")) == SCAN_ERROR);
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

	/* what is not a pickle: CPython raises at the first opcode, importing nothing */
	char why[128];
#define CANNOT(lit) pickle_cannot_start_p((const uint8_t *)lit, sizeof(lit) - 1, why, sizeof(why))
	CHECK("not a pickle: '[' (vocab.txt) is no opcode", CANNOT("[PAD]\n[UNK]\n"));
	CHECK("not a pickle: '#', '-', '*', '<', NUL", CANNOT("#version: 0.2\n") && CANNOT("---\nlicense: mit\n") &&
							     CANNOT("*.bin filter=lfs\n") && CANNOT("<pad>\n") &&
							     CANNOT("\x00\x01"));
	CHECK("not a pickle: opcodes that need a stack, a MARK or the memo",
	      CANNOT("hello\n") && CANNOT("a\n") && CANNOT("the end\n") && CANNOT("2024\n") && CANNOT(".") &&
		      CANNOT("g0\n") && CANNOT("p0\n") && CANNOT("i\nos\nsystem\n") && CANNOT("R"));
	CHECK("not a pickle: counted operand past the end", CANNOT("The model\n") && CANNOT("Ux") && CANNOT("K"));
	CHECK("not a pickle: text operands that cannot parse", CANNOT("S no quotes\n") && CANNOT("Infinity\n") &&
								 CANNOT("Llama\n") && CANNOT("Fast model\n") &&
								 CANNOT("S'unterminated"));
	CHECK("a pickle: PROTO, even a broken one", !CANNOT("\x80\x02") && !CANNOT("\x80\x09N."));
	CHECK("a pickle: opcodes that cannot fail", !CANNOT("N") && !CANNOT("(") && !CANNOT("]") && !CANNOT("}"));
	CHECK("a pickle: GLOBAL, PERSID and EXT reach outside the unpickler",
	      !CANNOT("cos\nsystem\n") && !CANNOT("c") && !CANNOT("P0\n") && !CANNOT("\x82\x01"));
	CHECK("a pickle: text operands that may parse", !CANNOT("I01\n") && !CANNOT("I 5\n") && !CANNOT("I\n") &&
							      !CANNOT("I\x00x\n") && !CANNOT("Finf\n") &&
							      !CANNOT("S'os'\n") && !CANNOT("Vanything\n"));
	CHECK("a pickle: counted operand that fits", !CANNOT("U\x02" "ab.") && !CANNOT("X\x01\x00\x00\x00" "a."));
	CHECK("EXT code 0 cannot start", CANNOT("\x82\x00"));
	scan(S("[PAD]\n[UNK]\n[CLS]\n"), &r);
	CHECK("vocab.txt is skipped, not an error", r.skipped && !r.error && r.verdict == SCAN_SAFE &&
							    strcmp(r.format, "skipped") == 0);
	scan_result_free(&r);
	scan(S("{\"hidden_size\": 4}"), &r);
	CHECK("JSON is skipped", r.skipped && r.verdict == SCAN_SAFE);
	scan_result_free(&r);
	scan(S("(S'id'\nios\nsystem\n."), &r);
	CHECK("a protocol 0 pickle is never skipped", !r.skipped && r.verdict == SCAN_DANGEROUS);
	scan_result_free(&r);
	scan(S("cos\nsystem\n"), &r);
	CHECK("a broken pickle with a GLOBAL is judged, not skipped", !r.skipped && r.verdict == SCAN_DANGEROUS);
	scan_result_free(&r);
	scan(S("Note: nothing\n"), &r);
	CHECK("text whose first byte can start a pickle is read as one", !r.skipped && r.verdict == SCAN_ERROR);
	scan_result_free(&r);
	CHECK("compressed joblib is unknown: zlib level 3, lzma",
	      verdict_of(S("\x78\x5e\x2d\x4f")) == SCAN_UNKNOWN && verdict_of(S("\x5d\x00\x00\x40\x00")) == SCAN_UNKNOWN &&
		      verdict_of(S("\x1f\x8b\x08\x00")) == SCAN_UNKNOWN && verdict_of(S("BZh91AY")) == SCAN_UNKNOWN);
	CHECK("'x' without a zlib header checksum is no zlib", verdict_of(S("xyz\n")) == SCAN_SAFE);

	/* directory walks: include/exclude, joined paths */
	const char *inc[] = { "*.bin", "sub/*.pt" }, *exc[] = { ".git", "*.tmp.bin" };
	struct scan_options so = opt;
	CHECK("no globs: everything", scan_selected_p(&so, "a/b.txt", false));
	so.include = inc;
	so.ninclude = 2;
	so.exclude = exc;
	so.nexclude = 2;
	CHECK("include by base name", scan_selected_p(&so, "deep/dir/model.bin", false));
	CHECK("include by relative path", scan_selected_p(&so, "sub/m.pt", false) && !scan_selected_p(&so, "m.pt", false));
	CHECK("not included", !scan_selected_p(&so, "README.md", false));
	CHECK("directories are entered to find included files", scan_selected_p(&so, "deep", true));
	CHECK("exclude wins over include", !scan_selected_p(&so, "x.tmp.bin", false));
	CHECK("excluded directory not entered", !scan_selected_p(&so, "a/.git", true));
	char *j1 = scan_join("dir/", "f"), *j2 = scan_join("dir", "f"), *j3 = scan_join("/", "f"), *j4 = scan_join("d//", "f");
	CHECK("joined paths have one slash", j1 && j2 && j3 && j4 && strcmp(j1, "dir/f") == 0 && strcmp(j2, "dir/f") == 0 &&
						     strcmp(j3, "/f") == 0 && strcmp(j4, "d/f") == 0);
	free(j1);
	free(j2);
	free(j3);
	free(j4);

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
