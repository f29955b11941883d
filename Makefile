# Laba. `make run` and `make test` are the two commands of the quick start.

SWIFT    ?= swift
# A failing test run must fail the recipe, also when its output goes through tee.
SHELL        := /bin/bash
.SHELLFLAGS  := -o pipefail -c
PREFIX   ?= /usr/local
CONFIG   ?= Config/demo.yaml
PACKAGES := $(shell cat Scripts/debian-packages.txt)
BIN       = .build/debug

.PHONY: all deps test-deps build release run test check doc-screenshots bench soak base-unit fixtures-base attack fuzz clean audio install install-files uninstall deb package-test footprint

all: build

# Installs the Debian packages the build and the tests need, when any is missing.
deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $$missing; \
	fi

build: deps
	$(SWIFT) build

# Runs the daemon on $(CONFIG) in the foreground (Ctrl-C stops it): on the sound card when there
# is one, otherwise into WAV captures under .run/captures. State lives in .run/state.
RUN_DIR  = .run
ALSA_RUN = $(if $(wildcard /dev/snd),Config/alsa-card.conf,Config/alsa-capture.conf)

run: build
	@mkdir -p $(RUN_DIR)/captures $(RUN_DIR)/state
	$(BIN)/laba check --config $(CONFIG) > /dev/null || $(BIN)/laba check --config $(CONFIG)
	@echo "labad on $(CONFIG) with $(ALSA_RUN); captures (if any) in $(RUN_DIR)/captures"
	ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$(ALSA_RUN) LABA_CAPTURE_DIR=$(RUN_DIR)/captures \
		$(BIN)/labad --config $(CONFIG) --state-dir $(RUN_DIR)/state --socket $(RUN_DIR)/laba.sock

check: build
	$(BIN)/laba check --config Config/demo.yaml
	$(BIN)/laba check --config Config/lijiang.yaml

# Real-time playback tests run on their own after the rest, away from the others' load (LiveTests
# too: a microphone and a loudspeaker paced by one PulseAudio server, a talk cut by an emergency). Each
# suite's time is printed at the end (Scripts/suite-times.sh), so that slow suites are seen: one
# over a minute belongs in `make soak`.
# The console's browser tests drive Chromium with Selenium, from PyPI (only the tests need it).
test-deps: deps
	@python3 -c 'import selenium' 2>/dev/null || python3 -m pip install --quiet selenium \
		|| python3 -m pip install --quiet --break-system-packages selenium

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) build --product generate-manual
	@mkdir -p .build
	$(SWIFT) test --skip-build --skip RealTimePlaybackTests --skip PreemptionTests --skip "EndToEndTests.LiveTests" 2>&1 | tee .build/test.log
	$(SWIFT) test --skip-build --filter "RealTimePlaybackTests|PreemptionTests|EndToEndTests.LiveTests" 2>&1 | tee -a .build/test.log
	@Scripts/suite-times.sh .build/test.log

release: deps
	$(SWIFT) build -c release

# The operator's guide's pictures (Docs/screenshots/*.png), made by the console's browser test
# (Tests/Browser/tools.py) on a real labad; `make test` writes none of them.
doc-screenshots: test-deps
	$(SWIFT) build --build-tests
	LABA_DOC_SCREENSHOTS=$(CURDIR)/Docs/screenshots $(SWIFT) test --skip-build --filter ConsoleToolsTests

# Side-by-side benchmarks; prints a table and writes bench-report.md.
bench: release
	Bench/run.sh

# The long fault runs: 100 kill -9 rounds, 200 SIGHUPs, clock jumps, 5 × 1,000 concurrent
# triggers, a full state dir. ROUNDS=N and SEED=N change them. Then the fleet's: the broker killed
# and restarted during 200 commands, a unit's link down for 90 s (as root, in a network namespace);
# then the package test (as root).
soak: release base-unit
	python3 Bench/soak.py .build/release
	python3 Bench/fleet.py soak .build/release
	python3 Bench/mixed.py .build/release $(BASE_DIR)/debug
	$(MAKE) attack
	$(MAKE) package-test

# Attacks on the real binaries, one case per finding of issue 24 (Bench/attack/*.py): each passes
# only when the attack fails. Some need root (network namespaces) and are skipped without it.
attack: build
	Bench/attack/run.sh .build/debug

# The unit of the last release, for the mixed fleet of `make soak` (Bench/mixed.py), and its laba: BASE_COMMIT's
# sources (`git archive`) under $(BASE_DIR)/src, built there with a scratch path of their own. The
# dependencies keep this checkout's pins (Package.resolved is not in git).
BASE_COMMIT ?= f38237e
BASE_DIR     = .build-base
base-unit: deps
	@if [ "$$(cat $(BASE_DIR)/src/.commit 2>/dev/null)" != "$(BASE_COMMIT)" ]; then \
		echo "Sources of $(BASE_COMMIT) into $(BASE_DIR)/src"; \
		rm -rf $(BASE_DIR)/src && mkdir -p $(BASE_DIR)/src && \
		git archive $(BASE_COMMIT) | tar -x -C $(BASE_DIR)/src && \
		{ [ ! -f Package.resolved ] || cp Package.resolved $(BASE_DIR)/src/; } && \
		echo $(BASE_COMMIT) > $(BASE_DIR)/src/.commit; \
	fi
	$(SWIFT) build --package-path $(BASE_DIR)/src --scratch-path $(BASE_DIR) --product labad
	$(SWIFT) build --package-path $(BASE_DIR)/src --scratch-path $(BASE_DIR) --product laba

# The state dirs of that release which the migration tests open (Tests/Fixtures/f38237e: a unit's
# and a commander's, made on a real mosquitto by its labad and laba), made again. Committed; run
# once per release.
fixtures-base: base-unit
	python3 Scripts/make-fixtures-f38237e.py $(BASE_DIR)/debug

# laba_<version>_<arch>.deb: a release build with the Swift runtime linked in, stripped, laid out by
# install-files, Depends: from the binaries' shared libraries (Scripts/deb.sh). ARCH=arm64 builds
# with a Swift SDK for that target (README, "Building for arm64"); VERSION= overrides the version.
ARCH ?= $(shell dpkg --print-architecture)
deb: deps
	ARCH=$(ARCH) SWIFT=$(SWIFT) Scripts/deb.sh

# Binary sizes and idle RSS/PSS/USS of the packaged labad beside `make release`'s (Scripts/footprint.py).
footprint: deb release
	python3 Scripts/footprint.py laba_$(shell sed -n 's/.*static let release = "\(.*\)"/\1/p' Sources/LabaControl/Protocol.swift)_$(ARCH).deb .build/release

# Installs the package on a bare Debian 12 (debootstrap, cached in .build/package-test) and checks
# it in a chroot: versions, check, unit, a broadcast and its record, upgrade, remove, purge. Root.
package-test: deb
	Scripts/package-test.sh

# libFuzzer on the configuration loader and the calendar parser (FUZZ_SECONDS each, seeded with
# the shipped configurations and the tests' expressions), then malformed requests against a real
# labad's API. A crash leaves its input in .build/fuzz/crash-*; make it a regression test.
FUZZ_SECONDS ?= 180
FUZZ_FLAGS = --scratch-path .build/fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
fuzz: deps
	LABA_FUZZ=1 $(SWIFT) build $(FUZZ_FLAGS) --product fuzz-config
	LABA_FUZZ=1 $(SWIFT) build $(FUZZ_FLAGS) --product fuzz-calendar
	python3 Fuzz/seed.py .build/fuzz/corpus
	.build/fuzz/debug/fuzz-config -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix=.build/fuzz/crash-config- .build/fuzz/corpus/config
	.build/fuzz/debug/fuzz-calendar -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix=.build/fuzz/crash-calendar- .build/fuzz/corpus/calendar
	$(SWIFT) build
	python3 Fuzz/api.py .build/debug $(FUZZ_SECONDS)

# Remakes the placeholder recordings in Audio/ (needs espeak-ng and sox).
audio:
	Scripts/make-placeholder-audio.sh

clean:
	rm -rf .build

# Installs the release build: binaries, their man pages and bash/zsh/fish completions, systemd
# unit, sysusers file, an example configuration (only when none is there) and the placeholder audio. DESTDIR stages it elsewhere.
DESTDIR  ?=
SYSCONF  ?= /etc
UNITDIR  ?= /etc/systemd/system
SYSUSERS ?= /usr/lib/sysusers.d
UDEVDIR  ?= /etc/udev/rules.d
STATEDIR ?= /var/lib/laba
# The example recordings, and the installed configuration's audio_dir (the package uses /usr/share/laba/audio).
AUDIODIR ?= $(STATEDIR)/audio
DOCDIR   ?= $(PREFIX)/share/doc/laba
INSTALL_BIN ?= .build/release
# The binaries that print the completions and man pages: INSTALL_BIN's, unless those are for another machine.
GEN_BIN  ?= $(INSTALL_BIN)
# Man pages come from the argument parsers, through swift-argument-parser's generate-manual.
GENMAN   ?= $(GEN_BIN)/generate-manual
MANDIR   ?= $(PREFIX)/share/man/man1
BASHDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHDIR   ?= $(PREFIX)/share/zsh/site-functions
FISHDIR  ?= $(PREFIX)/share/fish/vendor_completions.d

install: release
	$(SWIFT) build -c release --product generate-manual
	$(MAKE) install-files
	@echo "Installed. Next: systemd-sysusers && systemctl daemon-reload && systemctl enable --now laba"

install-files:
	install -Dm755 $(INSTALL_BIN)/laba $(DESTDIR)$(PREFIX)/bin/laba
	ln -sf laba $(DESTDIR)$(PREFIX)/bin/labad
	@set -e; for tool in laba labad; do \
		install -d $(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR) $(DESTDIR)$(MANDIR); \
		$(GEN_BIN)/$$tool --generate-completion-script bash > $(DESTDIR)$(BASHDIR)/$$tool; \
		$(GEN_BIN)/$$tool --generate-completion-script zsh > $(DESTDIR)$(ZSHDIR)/_$$tool; \
		$(GEN_BIN)/$$tool --generate-completion-script fish > $(DESTDIR)$(FISHDIR)/$$tool.fish; \
		$(GENMAN) $(GEN_BIN)/$$tool --output-directory $(DESTDIR)$(MANDIR) > /dev/null; \
	done
	sed 's#/usr/local/bin#$(PREFIX)/bin#g' Config/laba.service | install -Dm644 /dev/stdin $(DESTDIR)$(UNITDIR)/laba.service
	install -Dm644 Config/laba.sysusers $(DESTDIR)$(SYSUSERS)/laba.conf
	install -Dm644 Config/60-laba-gpio.rules $(DESTDIR)$(UDEVDIR)/60-laba-gpio.rules
	@if [ -e $(DESTDIR)$(SYSCONF)/laba/laba.yaml ]; then \
		echo "keeping $(DESTDIR)$(SYSCONF)/laba/laba.yaml"; \
	else \
		sed 's#^audio_dir: .*#audio_dir: $(AUDIODIR)#' Config/lijiang.yaml | install -Dm644 /dev/stdin $(DESTDIR)$(SYSCONF)/laba/laba.yaml; \
	fi
	install -d $(DESTDIR)$(SYSCONF)/laba/alerts $(DESTDIR)$(SYSCONF)/laba/areas
	install -m644 Config/areas/*.geojson $(DESTDIR)$(SYSCONF)/laba/areas/
	install -d $(DESTDIR)$(AUDIODIR)
	cp -R Audio/. $(DESTDIR)$(AUDIODIR)/
	rm -f $(DESTDIR)$(AUDIODIR)/README.md
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m644 Config/alsa-*.conf Config/laba-console.conf Config/laba-metrics.conf $(DESTDIR)$(DOCDIR)/examples/
	if [ -d Config/fleet ]; then cp -R Config/fleet $(DESTDIR)$(DOCDIR)/examples/; fi

# Removes what install put in place, except the configuration and the state (history, audio).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/labad $(DESTDIR)$(PREFIX)/bin/laba
	rm -f $(DESTDIR)$(MANDIR)/laba.1 $(DESTDIR)$(MANDIR)/labad.1
	rm -f $(DESTDIR)$(BASHDIR)/laba $(DESTDIR)$(BASHDIR)/labad $(DESTDIR)$(ZSHDIR)/_laba $(DESTDIR)$(ZSHDIR)/_labad
	rm -f $(DESTDIR)$(FISHDIR)/laba.fish $(DESTDIR)$(FISHDIR)/labad.fish
	rm -f $(DESTDIR)$(UNITDIR)/laba.service $(DESTDIR)$(SYSUSERS)/laba.conf $(DESTDIR)$(UDEVDIR)/60-laba-gpio.rules
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "Kept $(SYSCONF)/laba and $(STATEDIR); remove them by hand if you want them gone."
