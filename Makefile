# Faultline: `make run` to start a server, `make test` to run every test.
SHELL := /bin/bash
SWIFT ?= swift
BUILD := .build
VENV := $(BUILD)/venv
PY := $(VENV)/bin/python
RELEASE_BIN := $(BUILD)/release/faultline
BENCH_BIN := $(BUILD)/release/faultline-bench
APT_PACKAGES := libsqlite3-dev zlib1g-dev libbrotli-dev libzstd-dev libdeflate-dev libcurl4-openssl-dev pkg-config python3-venv
# Only the tests need these: the browser suite of the dashboards, and the real clients other than the Python SDK
# (sentry-go with the Go toolchain to build it, sentry-ruby, raven-js run in Chromium).
TEST_APT_PACKAGES := chromium chromium-driver golang-go golang-github-getsentry-sentry-go-dev ruby ruby-sentry-ruby \
	node-raven-js
PY_PACKAGES := sentry-sdk==2.75.0 sentry-cli==3.8.2 schemathesis==4.32.5 selenium==4.51.0 aiosmtpd==1.4.6 brotli pytest \
	raven==6.10.0
DATA ?= ./data
LISTEN ?= 127.0.0.1:9000

.PHONY: run test unit e2e bench bench-api deps test-deps apt-install build build-bench venv clean

## Install what is missing, build in release, start the server on an embedded SQLite file.
run: deps build
	$(RELEASE_BIN) serve --listen $(LISTEN) --data $(DATA)

## Unit tests, then the end-to-end suite against the release binary with the real SDK and sentry-cli.
test: deps test-deps venv
	$(SWIFT) test
	$(MAKE) build build-bench
	$(PY) -m pytest -q Tests/E2E

unit: deps
	$(SWIFT) test

e2e: deps test-deps venv build build-bench
	$(PY) -m pytest -q Tests/E2E

## Load test: N distinct gzip envelopes from the SDK fixtures over C keep-alive connections.
bench: deps build build-bench
	$(BENCH_BIN) ingest --fixtures Tests/Fixtures/sdk-corpus $(BENCH_ARGS)

## The read API on 1,000,000 seeded events in 10,000 issues: p50/p99 of the common reads and their query plans.
bench-api: deps build build-bench
	$(BENCH_BIN) api $(BENCH_API_ARGS)

build:
	$(SWIFT) build -c release --product faultline

## The benchmarks and the seeder: their own binary, beside the server's.
build-bench:
	$(SWIFT) build -c release --product faultline-bench

# Debian packages the build needs; installed only when missing (apt-get as root, else sudo).
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_APT_PACKAGES)"

apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: Makefile
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check $(PY_PACKAGES)
	touch $@

clean:
	rm -rf $(BUILD)
