# airlock: `make` builds build/airlock; `make check` installs what is missing,
# builds with ASan+UBSan and runs every test; `make check-controls` runs the
# containment suite's negative controls.

# `make` alone builds `all` (rules above `all:` below, the audit log's fuzz
# target first, had become the default goal).
.DEFAULT_GOAL := all
CC ?= gcc
PKGS := gcc make pkg-config libseccomp-dev libjansson-dev python3 util-linux clang libclang-rt-14-dev \
	zlib1g-dev libbz2-dev liblzma-dev liblz4-dev libc-ares-dev curl openssl ca-certificates git man-db libc6-dev \
	python3-numpy python3-pandas python3-scipy python3-sklearn python3-joblib python3-matplotlib python3-torch \
	python3-lz4 qemu-system-x86 busybox-static cpio e2fsprogs libmicrohttpd-dev libsodium-dev
# The service's tests: a real Prometheus scraping it, wrk for load, systemd-analyze for the unit.
PKGS += prometheus wrk systemd
# The MCP server's tests: the official MCP SDK client (npm, tests/run.sh) run by node. Debian's
# nodejs and npm; npm only where no npm is found (NodeSource's nodejs bundles its own and
# conflicts with Debian's package).
PKGS += nodejs $(if $(shell command -v npm 2>/dev/null),,npm) python3-venv python3-pip

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wimplicit-fallthrough -Wvla -Wno-format-truncation  # messages may be cut short on purpose
BASE := -std=gnu11 -D_GNU_SOURCE $(WARN) -iquote src -I include
HARDEN := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fPIE
LDHARDEN := -pie -Wl,-z,relro,-z,now
LIBS := -lseccomp -ljansson -lcares -lz -lbz2 -llzma -llz4 -lm -lpthread -lmicrohttpd -lsodium
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC := $(wildcard src/*.c src/net/*.c)
# libairlock: the sandbox engine (not the scanner, not the command line).
SBX_SRC := $(LIB_SRC)
SBX_LIBS := -lseccomp -ljansson -lcares -lm
SOVER := 0
VERSION := $(shell sed -n 's/.*AIRLOCK_VERSION "\(.*\)"/\1/p' src/version.h)
CLI_SRC := $(wildcard src/cli/*.c)
PROFILES := $(wildcard src/profiles/*.json)
HDRS := $(wildcard src/*.h src/net/*.h src/scan/*.h src/cli/*.h include/*.h include/airlock/*.h)

REL_OBJ := $(patsubst src/%.c,build/rel/%.o,$(LIB_SRC) $(CLI_SRC)) build/rel/profiles.o
TST_OBJ := $(patsubst src/%.c,build/test/%.o,$(LIB_SRC) $(CLI_SRC)) build/test/profiles.o
TST_LIB := $(filter-out build/test/cli/%,$(TST_OBJ))

# The library's own tests (tests/lib): programs that include only airlock.h.
SBX_TST_OBJ := $(patsubst src/%.c,build/test/%.o,$(SBX_SRC)) build/test/profiles.o
LIBTEST_BIN := $(patsubst tests/lib/%.c,build/test/lib/%,$(filter-out tests/lib/header.c tests/lib/installed.c,\
	$(wildcard tests/lib/*.c)))

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,build/test/unit/%,$(UNIT_SRC))

# The audit log (issue 17, src/audit/): linked into the command line and the
# service, not into libairlock (it needs libsodium, which the library does not).
AUDIT_SRC := $(wildcard src/audit/*.c)
HDRS += $(wildcard src/audit/*.h)
REL_OBJ += $(patsubst src/%.c,build/rel/%.o,$(AUDIT_SRC))
TST_OBJ += $(patsubst src/%.c,build/test/%.o,$(AUDIT_SRC))
TST_LIB += $(patsubst src/%.c,build/test/%.o,$(AUDIT_SRC))
# The log is read back as untrusted input: the verifier's fuzz target.
build/fuzz/fuzz_audit: tests/fuzz/fuzz_audit.c $(AUDIT_SRC) src/util.c src/error.c $(HDRS)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -iquote src -I include $(FUZZ_SAN) -o $@ $(filter-out src/scan/%,$(filter %.c,$^)) -ljansson -lsodium -lm

# The MCP server (issue 19, src/mcp/): a client of the service's API,
# linked into the command line (`airlock mcp`, stdio) and the service (its
# /mcp route), one core for both.
MCP_SRC := $(wildcard src/mcp/*.c)
HDRS += $(wildcard src/mcp/*.h)
REL_OBJ += $(patsubst src/%.c,build/rel/%.o,$(MCP_SRC))
TST_OBJ += $(patsubst src/%.c,build/test/%.o,$(MCP_SRC))
TST_LIB += $(patsubst src/%.c,build/test/%.o,$(MCP_SRC))
# JSON-RPC from an agent and HTTP replies are untrusted input: their fuzz target.
build/fuzz/fuzz_mcp: tests/fuzz/fuzz_mcp.c src/mcp/proto.c src/mcp/apiclient.c src/util.c src/error.c $(HDRS)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -iquote src -I include $(FUZZ_SAN) -o $@ $(filter-out src/scan/%,$(filter %.c,$^)) -ljansson -lm -lpthread
# --- airlock-oci (issue 20): runc's command line, src/oci/ and
# src/cli/oci.c; airlock called by that name (a link made here). Not in
# libairlock: the library runs sandboxes, not OCI bundles.
OCI_SRC := $(wildcard src/oci/*.c)
HDRS += $(wildcard src/oci/*.h)
REL_OBJ += $(patsubst src/%.c,build/rel/%.o,$(OCI_SRC))
TST_OBJ += $(patsubst src/%.c,build/test/%.o,$(OCI_SRC))
TST_LIB += $(patsubst src/%.c,build/test/%.o,$(OCI_SRC))
# The tests drive real podman, containerd (ctr) and runc (the control).
PKGS += runc podman containerd python3-yaml
all: build/airlock-oci
build/airlock-oci: build/airlock
	ln -sf airlock $@
build/test/airlock-oci: build/test/airlock
	ln -sf airlock $@
# config.json's parser: pure, fuzzed.
build/fuzz/fuzz_oci_spec: tests/fuzz/fuzz_oci_spec.c src/oci/spec.c src/util.c src/error.c $(HDRS)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -iquote src -I include $(FUZZ_SAN) -o $@ $(filter-out src/scan/%,$(filter %.c,$^)) -lseccomp -ljansson -lm
.PHONY: install-oci uninstall-oci
install: install-oci
install-oci: build/airlock
	install -d $(DESTDIR)$(PREFIX)/bin
	ln -sf airlock $(DESTDIR)$(PREFIX)/bin/airlock-oci
uninstall: uninstall-oci
uninstall-oci:
	rm -f $(DESTDIR)$(PREFIX)/bin/airlock-oci
# --- end of airlock-oci

.PHONY: all lib bench check check-v2 check-controls deps clean demo format fuzz install uninstall
all: build/airlock

# --- airlock serve (issue 16): the HTTP/JSON service, a front end on
# libairlock like the CLI (src/service/, src/cli/serve.c). libmicrohttpd
# needs GnuTLS, which Debian ships only as a shared library (p11-kit and
# libunistring have no .a), and the release binary is a static PIE: so the
# service is build/airlock-serve, the same program linked dynamically, and
# `airlock serve` in build/airlock execs it from its own directory
# (src/cli/main.c). `airlock run` keeps its static, loader-free start. The
# test binary is dynamic and has the service built in.
SERVE_SRC := $(wildcard src/service/*.c) src/cli/serve.c
HDRS += $(wildcard src/service/*.h)
CLI_SRC := $(filter-out src/cli/serve.c,$(CLI_SRC))
REL_OBJ := $(filter-out build/rel/cli/serve.o,$(REL_OBJ))
TST_OBJ += $(patsubst src/%.c,build/test/%.o,$(wildcard src/service/*.c))
all: build/airlock-serve
build/airlock-serve: $(REL_OBJ) $(patsubst src/%.c,build/rel/%.o,$(SERVE_SRC)) build/libairlock-scan.a Makefile
	$(CC) $(LDHARDEN) -o $@ $(filter %.o %.a,$^) $(LIBS)
# The request decoders' and the config's fuzz target: pure code, with the helpers it uses.
build/fuzz/fuzz_request: tests/fuzz/fuzz_request.c src/service/request.c src/service/tenants.c src/util.c src/error.c $(HDRS)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -iquote src -I include $(FUZZ_SAN) -o $@ $(filter %.c,$^) -ljansson -lsodium -lm $(SCAN_LIBS)
.PHONY: install-serve uninstall-serve
install: install-serve
install-serve: build/airlock-serve
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 build/airlock-serve $(DESTDIR)$(PREFIX)/bin/airlock-serve
uninstall: uninstall-serve
uninstall-serve:
	rm -f $(DESTDIR)$(PREFIX)/bin/airlock-serve
# --- end of airlock serve

# Install the Debian packages the build and the tests use, only if missing.
deps:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "need root to install:$$missing" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The release binary is a static PIE: the dynamic loader's work (mapping and
# relocating libseccomp, jansson and libc) was the largest single cost of a
# launch on this machine's kind (measured 2.95 -> 1.70 ms for `airlock --help`);
# ASLR stays. Debian's -dev packages ship the static libraries.
build/airlock: $(REL_OBJ) Makefile
	$(CC) -static-pie -Wl,-z,relro,-z,now -o $@ $(REL_OBJ) $(LIBS)

build/rel/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(BASE) -O2 $(HARDEN) -c -o $@ $<

build/rel/profiles.o: src/profiles.S $(PROFILES)
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

# Test build: sanitizers, and the debug switches that turn one defence off.
build/test/airlock: $(TST_OBJ)
	$(CC) $(SAN) -o $@ $^ $(LIBS)

build/test/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC test $<"
	@$(CC) $(BASE) -O1 -g $(SAN) -DAIRLOCK_TEST_SWITCHES -c -o $@ $<

# libairlock.a and libairlock.so: position-independent objects with every
# symbol hidden but the API's (AL_API in include/airlock.h).
PIC_OBJ := $(patsubst src/%.c,build/pic/%.o,$(SBX_SRC)) build/pic/profiles.o
build/pic/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC pic  $<"
	@$(CC) $(BASE) -O2 $(HARDEN:-fPIE=-fPIC) -fvisibility=hidden -c -o $@ $<

build/pic/profiles.o: src/profiles.S $(PROFILES)
	@mkdir -p $(dir $@)
	$(CC) -fPIC -c -o $@ $<

build/libairlock.a: $(PIC_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/libairlock.so.$(VERSION): $(PIC_OBJ)
	$(CC) -shared -Wl,-soname,libairlock.so.$(SOVER) -Wl,-z,relro,-z,now -Wl,--no-undefined -o $@ $^ $(SBX_LIBS)

build/libairlock.so: build/libairlock.so.$(VERSION)
	ln -sf libairlock.so.$(VERSION) $@

build/airlock.pc: Makefile
	@printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$${prefix}/lib' '' \
		'Name: airlock' 'Description: run untrusted code in a sandbox (namespaces, seccomp, Landlock, cgroups)' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lairlock' \
		'Libs.private: $(SBX_LIBS)' > $@

lib: build/libairlock.a build/libairlock.so build/airlock.pc

# Profiling build: release flags plus the launch-path timestamps (src/trace.h).
# The release objects, each rebuilt with the marks (the list follows REL_OBJ).
TRC_OBJ := $(patsubst build/rel/%.o,build/trace/%.o,$(filter-out build/rel/profiles.o,$(REL_OBJ))) build/rel/profiles.o
build/trace/airlock: $(TRC_OBJ) Makefile
	$(CC) -static-pie -Wl,-z,relro,-z,now -o $@ $(TRC_OBJ) $(LIBS)

build/trace/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@$(CC) $(BASE) -O2 $(HARDEN) -DAIRLOCK_TRACE -DAIRLOCK_TEST_SWITCHES -c -o $@ $<

build/test/profiles.o: src/profiles.S $(PROFILES)
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

build/test/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(TST_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC unit $<"
	@$(CC) $(BASE) -iquote tests/unit -O1 -g $(SAN) -o $@ $< $(TST_LIB) $(LIBS)

build/test/lib/%: tests/lib/%.c tests/lib/lib.h include/airlock.h $(SBX_TST_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC lib  $<"
	@$(CC) -std=gnu11 $(WARN) -I include -O1 -g $(SAN) -o $@ $< $(SBX_TST_OBJ) $(SBX_LIBS)

# Everything: this machine's suite (cgroup v1 here), then the containment
# cases once more through a kept sandbox's second command while the pure-v2
# VM (check-v2) runs beside them (its log printed after the VM's), added up
# into the one last line.
check: deps
	@$(MAKE) --no-print-directory build/airlock build/airlock-serve build/test/airlock $(UNIT_BIN) $(LIBTEST_BIN) lib
	@rm -rf build/install-check && $(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/build/install-check >/dev/null
	@rm -f build/results-host build/results-second build/results-v2; \
	INSTALL_ROOT=$(CURDIR)/build/install-check INSTALL_CHECK=$(CURDIR)/build/install-check$(PREFIX) RESULTS=build/results-host LABEL="this machine" tests/run.sh; \
	AIRLOCK_TEST_SECOND_COMMAND=1 ESCAPE_ONLY=1 MODES=root RESULTS=build/results-second \
		LABEL="the containment cases through a kept sandbox's second command" tests/run.sh \
		>build/second.log 2>&1 & second=$$!; \
	RESULTS=build/results-v2 tests/v2/check.sh; \
	wait $$second; cat build/second.log; \
	cat build/results-host build/results-second build/results-v2 2>/dev/null | awk '{p += $$1; f += $$2; s += $$3; n++} \
		END {if (n < 3) f++; printf "%d passed, %d failed%s\n", p, f, s ? ", " s " skipped" : ""; exit f > 0}'

# cgroup v2 for real: Debian's kernel under qemu with cgroup_no_v1=all
# (tests/v2/check.sh). V2_CASES=a,b runs only those cases.
check-v2: deps
	@$(MAKE) --no-print-directory build/airlock build/test/airlock
	@tests/v2/check.sh

check-controls: deps
	@$(MAKE) --no-print-directory build/test/airlock
	@tests/run.sh --controls

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its seed corpus;
# new inputs go to build/fuzz/corpus-*, crashes to build/fuzz/ (kept in
# tests/fuzz/regressions/ once fixed, and replayed here). Then the scanner's
# saved inputs go through the real loaders, sandboxed, and every import they
# make must be one airlock scan reported (FUZZ_DIFF_MAX inputs, newest first).
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_LIB := $(filter-out src/contain.c src/init.c src/sandbox.c src/report.c src/config.c src/ctx.c,$(LIB_SRC))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(HDRS) build/rel/profiles.o
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -iquote src -I include $(FUZZ_SAN) -o $@ $< $(FUZZ_LIB) build/rel/profiles.o $(LIBS)

fuzz: deps $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
		n=$$(basename $$t); c=$${n#fuzz_}; \
		mkdir -p build/fuzz/corpus-$$c; \
		if [ -d tests/fuzz/regressions/$$c ]; then $$t tests/fuzz/regressions/$$c/* || exit 1; fi; \
		echo "== $$n for $(FUZZ_SECONDS)s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -artifact_prefix=build/fuzz/$$n- -print_final_stats=1 \
			build/fuzz/corpus-$$c tests/fuzz/corpus/$$c 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done' || exit 1; \
		if ls build/fuzz/$$n-crash-* build/fuzz/$$n-leak-* build/fuzz/$$n-timeout-* >/dev/null 2>&1; then \
			echo "$$n: a finding is in build/fuzz/"; exit 1; fi; \
	done
	@$(MAKE) --no-print-directory build/airlock
	@echo "== the saved pickle/npy/zip inputs through the real loaders (tests/scan/fuzz_differential.sh)"
	@tests/scan/fuzz_differential.sh build/airlock build/fuzz/disagreements build/fuzz/corpus-pickle build/fuzz/corpus-zip

# airlock side by side with bubblewrap, firejail, unshare and plain exec
# (bench/README.md); installs the peers when missing. Not a test: nothing is
# asserted. BENCH_RUNS, BENCH_SECONDS tune it.
bench: deps build/airlock build/airlock-serve build/airlock-oci  # serve_bench.py: the service; oci_bench.py: airlock-oci
	@bench/run.sh

# The main job on its defaults: a sandboxed Python hello world.
demo: deps build/airlock
	build/airlock run --profile python -- python3 -c 'print("hello from airlock")'

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the release binary and
# the man page.
PREFIX ?= /usr/local
install: build/airlock lib
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0755 build/airlock $(DESTDIR)$(PREFIX)/bin/airlock
	install -m 0644 doc/airlock.1 $(DESTDIR)$(PREFIX)/share/man/man1/airlock.1
	install -m 0644 include/airlock.h $(DESTDIR)$(PREFIX)/include/airlock.h
	install -m 0644 build/libairlock.a $(DESTDIR)$(PREFIX)/lib/libairlock.a
	install -m 0755 build/libairlock.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libairlock.so.$(VERSION)
	ln -sf libairlock.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libairlock.so.$(SOVER)
	ln -sf libairlock.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libairlock.so
	install -m 0644 build/airlock.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/airlock.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/airlock $(DESTDIR)$(PREFIX)/share/man/man1/airlock.1 \
		$(DESTDIR)$(PREFIX)/include/airlock.h $(DESTDIR)$(PREFIX)/lib/libairlock.a \
		$(DESTDIR)$(PREFIX)/lib/libairlock.so $(DESTDIR)$(PREFIX)/lib/libairlock.so.$(SOVER) \
		$(DESTDIR)$(PREFIX)/lib/libairlock.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/pkgconfig/airlock.pc

format:
	clang-format -i src/*.c src/*.h src/audit/*.c src/audit/*.h src/net/*.c src/net/*.h src/scan/*.c src/scan/*.h src/cli/*.c src/cli/*.h tests/unit/*.c

clean:
	rm -rf build

# ----------------------------------------------------------------------------
# libairlock-scan: the model scanner as a library of its own, with the public
# header include/airlock/scan.h; it shares no code with the sandbox. The
# airlock binary links build/libairlock-scan.a like any other client; the
# tests link the scanner's sanitized objects. Everything for it is in this
# block: what it adds to the rules above, it adds here.
SCAN_SRC := $(wildcard src/scan/*.c)
SCAN_PIC := $(patsubst src/scan/%.c,build/scan-pic/%.o,$(SCAN_SRC))
SCAN_TST := $(patsubst src/%.c,build/test/%.o,$(SCAN_SRC))
SCAN_LIBS := -ljansson -lz -lbz2 -llzma -llz4
SCAN_VERSION := 0.1.0
SCAN_SONAME := libairlock-scan.so.0
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include

REL_OBJ += build/libairlock-scan.a
TRC_OBJ += build/libairlock-scan.a
TST_LIB += $(SCAN_TST)
FUZZ_LIB += $(SCAN_SRC)
build/airlock build/trace/airlock: build/libairlock-scan.a
build/test/airlock $(UNIT_BIN): $(SCAN_TST)
$(FUZZ_TARGETS): $(SCAN_SRC) include/airlock/scan.h
build/rel/cli/scan.o build/test/cli/scan.o build/trace/cli/scan.o $(SCAN_TST): include/airlock/scan.h

.PHONY: install-scan uninstall-scan
all: build/libairlock-scan.a build/libairlock-scan.so
install: install-scan
uninstall: uninstall-scan

# Position-independent, and only what include/airlock/scan.h marks exported.
build/scan-pic/%.o: src/scan/%.c include/airlock/scan.h $(wildcard src/scan/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC pic  $<"
	@$(CC) $(BASE) -O2 $(filter-out -fPIE,$(HARDEN)) -fPIC -fvisibility=hidden -c -o $@ $<

build/libairlock-scan.a: $(SCAN_PIC)
	@rm -f $@
	ar rcs $@ $^

# --no-undefined: the scanner needs nothing but libc and its decoders (a
# sandbox symbol would fail this link).
build/libairlock-scan.so: $(SCAN_PIC)
	$(CC) -shared -Wl,-soname,$(SCAN_SONAME) -Wl,--no-undefined -Wl,-z,relro,-z,now -o $@ $^ $(SCAN_LIBS)

build/airlock-scan.pc: src/scan/airlock-scan.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(SCAN_VERSION)|' $< >$@

# The .pc names PREFIX: made again at every install, for the PREFIX given.
install-scan: build/libairlock-scan.a build/libairlock-scan.so
	@rm -f build/airlock-scan.pc && $(MAKE) --no-print-directory build/airlock-scan.pc
	install -d $(DESTDIR)$(INCLUDEDIR)/airlock $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 include/airlock/scan.h $(DESTDIR)$(INCLUDEDIR)/airlock/scan.h
	install -m 0644 build/libairlock-scan.a $(DESTDIR)$(LIBDIR)/libairlock-scan.a
	install -m 0755 build/libairlock-scan.so $(DESTDIR)$(LIBDIR)/libairlock-scan.so.$(SCAN_VERSION)
	ln -sf libairlock-scan.so.$(SCAN_VERSION) $(DESTDIR)$(LIBDIR)/$(SCAN_SONAME)
	ln -sf $(SCAN_SONAME) $(DESTDIR)$(LIBDIR)/libairlock-scan.so
	install -m 0644 build/airlock-scan.pc $(DESTDIR)$(LIBDIR)/pkgconfig/airlock-scan.pc

uninstall-scan:
	rm -f $(DESTDIR)$(INCLUDEDIR)/airlock/scan.h $(DESTDIR)$(LIBDIR)/libairlock-scan.a \
		$(DESTDIR)$(LIBDIR)/libairlock-scan.so.$(SCAN_VERSION) $(DESTDIR)$(LIBDIR)/$(SCAN_SONAME) \
		$(DESTDIR)$(LIBDIR)/libairlock-scan.so $(DESTDIR)$(LIBDIR)/pkgconfig/airlock-scan.pc
	rmdir $(DESTDIR)$(INCLUDEDIR)/airlock 2>/dev/null || true
# ---- end of libairlock-scan -------------------------------------------------
