# Tandem developer tasks. Each target first makes sure the system packages are installed
# (scripts/ensure-deps.sh, apt-get when missing). `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
# The shared editing traces; exported as an absolute path, since the benchmark and the CLI
# run from other directories.
TANDEM_TRACES ?= ../shared/traces
TRACES := $(abspath $(TANDEM_TRACES))
FUZZ_ITERATIONS ?= 200000
FUZZ_SECONDS ?= 600

.PHONY: help deps demo test replay bench fuzz fuzz-wire fuzz-rest soak clean

help:
	@echo "make demo     build the tandem CLI and run its demo (a relay on loopback; two devices edit offline, then converge)"
	@echo "make test     build and run every test, then print a summary"
	@echo "make replay   release build of tandem-dev, then 'tandem-dev replay' on each trace in $(TANDEM_TRACES)"
	@echo "make bench    package-benchmark suite in Benchmarks/ (release), then the peer comparison if present"
	@echo "make fuzz     decoder fuzz tests with TANDEM_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS)"
	@echo "make fuzz-wire libFuzzer over the sync wire (frame codec, payload decoders, both sessions) for FUZZ_SECONDS=$(FUZZ_SECONDS); crashers in .build-fuzz/crashers"
	@echo "make fuzz-rest build the tandem CLI, then schemathesis: Specs/rest-api.yaml against a relay on loopback"
	@echo "make soak     release build, then the relay load test and latency benchmark (tandem-dev relay-soak)"
	@echo "make clean    remove build folders"

deps:
	@bash scripts/ensure-deps.sh

demo: deps
	@echo "==> swift build --product tandem"
	@$(SWIFT) build --product tandem
	@echo "==> tandem demo"
	@.build/debug/tandem demo

test: deps
	@bash scripts/test.sh

replay: deps
	@echo "==> swift build -c release --product tandem-dev"
	@$(SWIFT) build -c release --product tandem-dev
	@shopt -s nullglob; traces=("$(TRACES)"/*.json.gz); \
	if [ $${#traces[@]} -eq 0 ]; then echo "replay: no *.json.gz traces in $(TRACES) (set TANDEM_TRACES)" >&2; exit 1; fi; \
	failed=0; \
	for trace in "$${traces[@]}"; do \
		echo "==> tandem-dev replay $$trace"; \
		.build/release/tandem-dev replay "$$trace" || { echo "replay: $$(basename "$$trace") FAILED" >&2; failed=$$((failed + 1)); }; \
	done; \
	echo "replay: $$(( $${#traces[@]} - failed )) passed, $$failed failed"; \
	[ $$failed -eq 0 ]

bench: deps
	@echo "==> package-benchmark suite (release build in Benchmarks/.build; the first one takes minutes)"
	@TANDEM_TRACES="$(TRACES)" $(SWIFT) package --package-path Benchmarks benchmark --no-progress
	@if [ -f Benchmarks/peers/run.sh ]; then \
		echo "==> peer comparison (Benchmarks/peers/run.sh)"; \
		TANDEM_TRACES="$(TRACES)" bash Benchmarks/peers/run.sh; \
	else \
		echo "==> Benchmarks/peers/run.sh not present yet: no peer comparison"; \
	fi

fuzz: deps
	@echo "==> swift test --filter DecoderFuzzTests (TANDEM_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS))"
	@TANDEM_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) $(SWIFT) test --filter DecoderFuzzTests

fuzz-wire: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz-wire.sh

fuzz-rest: deps
	@echo "==> swift build --product tandem"
	@$(SWIFT) build --product tandem
	@echo "==> scripts/fuzz-rest.sh (schemathesis in .build-tools/rest-venv against /api/projects)"
	@bash scripts/fuzz-rest.sh

# The soak's relay is the `tandem` binary beside `tandem-dev`: both are built.
soak: deps
	@echo "==> swift build -c release --product tandem-dev, then --product tandem"
	@$(SWIFT) build -c release --product tandem-dev
	@$(SWIFT) build -c release --product tandem
	@echo "==> tandem-dev relay-soak (100 devices on one account + 100 accounts, 30 s of edits; then 1,000 edits of latency)"
	@.build/release/tandem-dev relay-soak

clean:
	@echo "==> removing .build, .build-*, Benchmarks/.build"
	@rm -rf .build .build-* Benchmarks/.build Benchmarks/.build-*
