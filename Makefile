# Laba. `make run` and `make test` are the two commands of the quick start.

SWIFT    ?= swift
PREFIX   ?= /usr/local
CONFIG   ?= Config/demo.yaml
PACKAGES := $(shell cat Scripts/debian-packages.txt)
BIN       = .build/debug

.PHONY: all deps build release run test check bench clean audio

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

# Runs Laba on $(CONFIG). Until the daemon exists this checks the configuration and its recordings.
run: build
	$(BIN)/laba check --config $(CONFIG)

check: build
	$(BIN)/laba check --config Config/demo.yaml
	$(BIN)/laba check --config Config/lijiang.yaml

# Real-time playback tests run on their own after the rest, away from the others' load.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip RealTimePlaybackTests
	$(SWIFT) test --skip-build --filter RealTimePlaybackTests

release: deps
	$(SWIFT) build -c release

# Side-by-side benchmarks; prints a table and writes bench-report.md.
bench: release
	Bench/run.sh

# Remakes the placeholder recordings in Audio/ (needs espeak-ng and sox).
audio:
	Scripts/make-placeholder-audio.sh

clean:
	rm -rf .build
