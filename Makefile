# topsim: the README's two commands are `make run` and `make test`.
SWIFT       ?= swift
# Cross-module optimisation lets generic code from the packages (HDR histograms)
# specialise into the hot path: several times faster than a plain release build.
RELEASE     := -c release -Xswiftc -cross-module-optimization
# Tests run on an optimised build: statistical tolerances stay tight and CI stays fast.
TEST_FLAGS  := -c release -Xswiftc -cross-module-optimization -Xswiftc -enable-testing --scratch-path .build-test
BIN         := .build/release/topsim
TEST_BIN    := .build-test/release/topsim
FUZZ_SECONDS ?= 600
# make install: PREFIX/bin/topsim, the man page and the bash, zsh and fish completions,
# under DESTDIR when given (packaging).
PREFIX      ?= /usr/local
DESTDIR     ?=

.PHONY: all deps slurm-deps browser-deps term-deps man-deps pydeps build run test bench fuzz clean man install validation-table

all: build

# ncursesw is the only system library; install it when pkg-config cannot find it.
deps:
	@command -v pkg-config >/dev/null 2>&1 || { echo "installing pkg-config"; \
	  (apt-get update -qq && apt-get install -y -qq pkg-config) >/dev/null; }
	@pkg-config --exists ncursesw || { echo "installing libncursesw5-dev"; \
	  (apt-get update -qq && apt-get install -y -qq libncursesw5-dev) >/dev/null; }

# The scale-out test runs a real Slurm (slurm-wlm, munge); install it when missing, as above.
slurm-deps:
	@{ PATH="$$PATH:/usr/sbin:/sbin"; command -v sbatch && command -v slurmctld && command -v munged; } >/dev/null 2>&1 || { \
	  echo "installing slurm-wlm and munge"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >/dev/null; }

# report.html is tested in a real browser: Debian's chromium, installed when missing.
# The dashboard's end-to-end and signal tests drive the real terminal UI in tmux.
term-deps:
	@command -v tmux >/dev/null 2>&1 || { echo "installing tmux"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux) >/dev/null; }

# The man page test renders topsim.1 with man (man-db, groff); the completion test runs bash.
man-deps:
	@command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1 || { echo "installing man-db and groff"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq man-db groff-base) >/dev/null; }

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

# traces.json is checked with the published OTLP protobuf mapping and docs/outputs.md's
# pandas example is run (Pillow reads the browser's screenshot): from PyPI, in a venv of
# the test build, made when missing.
PYVENV := .build-test/venv
pydeps:
	@$(PYVENV)/bin/python -c "import opentelemetry.proto, google.protobuf, pandas, PIL" >/dev/null 2>&1 || { \
	  echo "installing opentelemetry-proto, protobuf, pandas, pillow into $(PYVENV)"; \
	  rm -rf $(PYVENV); python3 -m venv $(PYVENV) 2>/dev/null || { (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv) >/dev/null && python3 -m venv $(PYVENV); }; \
	  $(PYVENV)/bin/pip install -q opentelemetry-proto protobuf pandas pillow; }

build: deps
	$(SWIFT) build $(RELEASE) --product topsim

# `make run` builds into the test build (.build-test, the same flags as `make test`), so a
# `make test` after it only adds the test targets instead of rebuilding every module.
# `make build`, `make bench` and `make install` keep the plain release build (.build):
# -enable-testing exports internal symbols, which is not what is timed or shipped.
run: deps
	$(SWIFT) build $(TEST_FLAGS) --product topsim
	$(TEST_BIN) tui

test: deps slurm-deps browser-deps term-deps man-deps pydeps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build
	$(TEST_BIN) validate $(wildcard scenarios/*.yaml scenarios/*/*.yaml scenarios/*/*/*.yaml)
	$(TEST_BIN) check scenarios/ --junit .build-test/topsim-check.xml
	./Tests/Slurm/run.sh $(TEST_BIN)

bench: deps
	$(SWIFT) build $(RELEASE)
	./bench/run.sh

fuzz: deps
	./Tests/Fuzz/run.sh $(FUZZ_SECONDS)

# topsim.1 from the binary's own option definitions (Tests/CLITests checks it is current).
man: build
	$(BIN) --experimental-dump-help | python3 tools/manpage.py > topsim.1

# docs/validation.md's published-vs-simulated table: runs every head-to-head scenario
# named in docs/calibration-fit/head-to-head.json (tools/validation-table.py, stdlib only).
validation-table: build
	python3 tools/validation-table.py $(BIN)

install: build
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" \
	  "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	  "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -m 755 $(BIN) "$(DESTDIR)$(PREFIX)/bin/topsim"
	install -m 644 topsim.1 "$(DESTDIR)$(PREFIX)/share/man/man1/topsim.1"
	$(BIN) --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/topsim"
	$(BIN) --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_topsim"
	$(BIN) --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/topsim.fish"

clean:
	rm -rf .build .build-test .build-fuzz
