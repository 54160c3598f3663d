# stage: four Unix filters for staged loads.  Plain make, libraries found
# with pkg-config.  `make` builds bin/; `make check` installs what the tests
# need, builds, and runs every test, then the same suite under ASan+UBSan.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = libcurl libcrypto libpq sqlite3 zlib libzstd

CFLAGS ?= -O2 -g
STAGE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Ilibcommon \
	$(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread -lm

# B is the object directory and OUT the directory of the programs, so that
# the sanitizer build (build-asan/) sits beside the normal one.
B ?= build
OUT ?= bin

PROGS = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
LIBSRC = $(wildcard libcommon/*.c)
LIBOBJ = $(LIBSRC:%.c=$(B)/%.o)
UNITSRC = $(wildcard tests/unit/*.c)
UNITS = $(UNITSRC:tests/unit/%.c=$(B)/unit/%)
MANS = $(wildcard man/*.[1-9])

SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

all: $(PROGS:%=$(OUT)/%)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(STAGE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libcommon.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(OUT)/%: $(B)/cmd/%.o $(B)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcommon.a $(LDLIBS)

$(B)/unit/%: $(B)/tests/unit/%.o $(B)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcommon.a $(LDLIBS)

units: $(UNITS)

-include $(LIBOBJ:.o=.d) $(PROGS:%=$(B)/cmd/%.d) $(UNITSRC:tests/unit/%.c=$(B)/tests/unit/%.d)

# Test set-up: system packages and the test-side Python venv.
deps:
	@tests/helpers/install-deps

check: deps
	$(MAKE) all units
	tests/run-suite bin build/unit
	$(MAKE) check-asan

check-asan: deps
	$(MAKE) B=build-asan OUT=build-asan/bin CC=clang \
		CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" all units
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run-suite build-asan/bin build-asan/unit

# The demo needs only the build packages (no test tools, no venv).
demo-deps:
	@tests/helpers/install-deps --build

demo: demo-deps
	$(MAKE) all
	examples/demo.sh

bench: deps all
	bench/run

fuzz: deps
	tests/fuzz/build

lint-man:
	mandoc -T lint -W warning $(MANS)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions \
		$(DESTDIR)$(DATADIR)/zsh/site-functions \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d
	for p in $(PROGS); do cp $(OUT)/$$p $(DESTDIR)$(BINDIR)/; done
	for m in $(MANS); do s=$${m##*.}; cp $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for f in completions/bash/*; do [ -f "$$f" ] && cp $$f \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/; done; true
	for f in completions/zsh/*; do [ -f "$$f" ] && cp $$f \
		$(DESTDIR)$(DATADIR)/zsh/site-functions/; done; true
	for f in completions/fish/*; do [ -f "$$f" ] && cp $$f \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/; done; true

clean:
	rm -rf build build-asan bin

.PHONY: all units deps demo-deps check check-asan demo bench fuzz lint-man install clean
