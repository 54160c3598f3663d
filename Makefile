# stage: four Unix filters for staged loads.  GNU make (3.82 or later),
# libraries found with pkg-config.  `make` builds bin/; `make check`
# installs what the tests need, builds, and runs every test, then the same
# suite under ASan+UBSan, and ends with the summary of both runs.
# `make V=1` shows the compiler's command lines.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = libcurl libcrypto libpq sqlite3 zlib libzstd

CFLAGS ?= -O2 -g
# Warnings are errors for the developers' and CI's builds (make check);
# a user's newer compiler with new warnings still builds `make install`.
WERROR ?=
# libcommon/ is in folders by concern; include/ holds the public headers,
# the only ones cmd/ sees.  Each folder's own headers are internal: the
# back ends and the unit tests share them.
LIBDIRS = base manifest format storage dest
PUBLIC_INC = -Ilibcommon/include
ALL_INC = $(PUBLIC_INC) $(LIBDIRS:%=-Ilibcommon/%)
STAGE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra $(WERROR) \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	$(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread -lm

# B is the object directory and OUT the directory of the programs, so that
# the sanitizer build (build-asan/) sits beside the normal one.
B ?= build
OUT ?= bin

PROGS = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
LIBSRC = $(foreach d,$(LIBDIRS),$(wildcard libcommon/$(d)/*.c))
LIBOBJ = $(LIBSRC:%.c=$(B)/%.o)
UNITSRC = $(wildcard tests/unit/*.c)
UNITS = $(UNITSRC:tests/unit/%.c=$(B)/unit/%)
MANS = $(wildcard man/*.[1-9])

SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

# Short "CC file" lines unless V=1 (nothing at all under make -s).
V ?= 0
ifeq ($(V),1)
Q =
say =
else
Q = @
say = $(if $(findstring s,$(firstword -$(MAKEFLAGS))),,@printf '  %-4s %s\n' $(1) $(2))
endif

all: $(PROGS:%=$(OUT)/%)

# The objects of programs and units are kept (not removed as
# intermediates), so a second make does nothing.
.SECONDARY: $(PROGS:%=$(B)/cmd/%.o) $(UNITSRC:%.c=$(B)/%.o)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(STAGE_CFLAGS) $(ALL_INC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The programs see the public headers only.
$(B)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(STAGE_CFLAGS) $(PUBLIC_INC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libcommon.a: $(LIBOBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $(LIBOBJ)

$(OUT)/%: $(B)/cmd/%.o $(B)/libcommon.a
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcommon.a $(LDLIBS)

$(B)/unit/%: $(B)/tests/unit/%.o $(B)/libcommon.a
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcommon.a $(LDLIBS)

units: $(UNITS)

-include $(LIBOBJ:.o=.d) $(PROGS:%=$(B)/cmd/%.d) $(UNITSRC:tests/unit/%.c=$(B)/tests/unit/%.d)

# Test set-up: system packages and the test-side Python venv.
deps:
	@tests/helpers/install-deps

# Both runs append their TAP to $(TAP); its summary is the last line.
TAP = $(CURDIR)/build/check.tap

check: deps
	$(MAKE) WERROR=-Werror all units
	@mkdir -p build && rm -f $(TAP)
	@rc=0; STAGE_TAP=$(TAP) tests/run-suite bin build/unit || rc=1; \
	STAGE_TAP=$(TAP) $(MAKE) check-asan || rc=1; \
	tests/tap-summary $(TAP) || rc=1; exit $$rc

# The sanitizer and static runs leave the scenario files' second run
# against Snowflake's emulator (*.snowflake.bats) to the normal run, to
# keep CI short; a STAGE_TEST_EXCLUDE in the environment (empty: none)
# overrides it.
NO_SF_RERUN = STAGE_TEST_EXCLUDE=$${STAGE_TEST_EXCLUDE-*.snowflake.bats}

check-asan: deps
	$(MAKE) B=build-asan OUT=build-asan/bin CC=clang WERROR=-Werror \
		CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" all units
	# the kill test lands 50 kills per destination in the normal and
	# static runs; under the sanitizers 20 (memory is what this run
	# checks), to keep CI short
	$(NO_SF_RERUN) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	STAGE_KILL_INSTANTS=$${STAGE_KILL_INSTANTS:-20} \
		tests/run-suite build-asan/bin build-asan/unit

# Static, portable builds (musl; see static/README.md): the dependencies are
# rebuilt from Debian's source packages into build/static/TARGET/prefix
# once, then the programs go to dist/TARGET/bin.
STATIC_TARGET ?= x86_64-linux-musl
STATIC_TARGETS ?= $(STATIC_TARGET)

static:
	for t in $(STATIC_TARGETS); do static/build $$t || exit 1; done

static-aarch64:
	$(MAKE) static STATIC_TARGETS=aarch64-linux-musl

check-static: deps static
	$(NO_SF_RERUN) tests/run-suite dist/$(STATIC_TARGET)/bin build/static/$(STATIC_TARGET)/unit

# The aarch64 build's whole suite under qemu-user (no binfmt needed).
check-static-aarch64: deps static-aarch64
	static/qemu-wrap aarch64-linux-musl >/dev/null
	STAGE_STATIC_TARGET=aarch64-linux-musl tests/run-suite \
		build/static/aarch64-linux-musl/qemu/bin \
		build/static/aarch64-linux-musl/qemu/unit

dist: static
	for t in $(STATIC_TARGETS); do static/dist $$t || exit 1; done

# The demo needs only the build packages (no test tools, no venv).
demo-deps:
	@tests/helpers/install-deps --build

demo: demo-deps
	@$(MAKE) -s all
	@examples/demo.sh

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
	for p in $(PROGS); do install -m 0755 $(OUT)/$$p $(DESTDIR)$(BINDIR)/; done
	for m in $(MANS); do s=$${m##*.}; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for f in completions/bash/*; do [ -f "$$f" ] && install -m 0644 $$f \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/; done; true
	for f in completions/zsh/*; do [ -f "$$f" ] && install -m 0644 $$f \
		$(DESTDIR)$(DATADIR)/zsh/site-functions/; done; true
	for f in completions/fish/*; do [ -f "$$f" ] && install -m 0644 $$f \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/; done; true

# clean keeps the built static dependencies (build/static/TARGET/prefix,
# minutes to make again); distclean removes them too.
clean:
	rm -rf build-asan bin dist
	for d in build/*; do [ "$$d" = build/static ] || rm -rf "$$d"; done
	rm -rf build/static/*/obj build/static/*/unit build/static/*/work \
		build/static/*/dist build/static/*/qemu build/static/*/smoke

distclean: clean
	rm -rf build

.PHONY: all units deps demo-deps check check-asan demo bench fuzz lint-man \
	install clean distclean static static-aarch64 check-static \
	check-static-aarch64 dist
