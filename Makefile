# greenpoints: two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
APE := $(VENV)/bin/ape
# anvil (npm package @foundry-rs/anvil) must be on PATH for ape-foundry.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Matplotlib without a screen; hypothesis profile for CI runs (see tests/conftest.py).
export MPLBACKEND := Agg

.PHONY: install demo test lint format fuzz mutants bench gas clean dashboard-demo node node-stop

# Idempotent: the stamp files are rebuilt only when their inputs change.
install: $(VENV)/.installed node_modules/.installed .venv-analysis/.installed $(VENV)/.system-packages

# Debian's chromium (the dashboard's browser tests, driven by Playwright) and postgresql (the
# dashboard's database tests on a real server), through apt: as root (CI), with sudo, or asked for.
SYSTEM_PACKAGES := chromium postgresql
$(VENV)/.system-packages: $(VENV)/.installed
	@if command -v chromium >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	elif command -v sudo >/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "make install: needs Debian's $(SYSTEM_PACKAGES): apt-get install $(SYSTEM_PACKAGES)" >&2; exit 1; fi
	chromium --version 2>/dev/null
	touch $@

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip check
	touch $@

.venv-analysis/.installed: requirements-analysis.txt
	test -x .venv-analysis/bin/python || python3.11 -m venv .venv-analysis || python3 -m venv .venv-analysis
	.venv-analysis/bin/python -m pip install --quiet --upgrade pip
	.venv-analysis/bin/python -m pip install --quiet -r requirements-analysis.txt
	touch $@

# `npm ci` installs exactly what package-lock.json says and never rewrites it. anvil is also linked
# into .venv/bin, so `source .venv/bin/activate` puts it on a user's PATH (ape-foundry looks there):
# the platform's binary that npm installed beside the package, as `tools.npm_binary` finds it
# (node_modules/.bin/anvil is a Node.js launcher that exits before the binary it runs), the launcher
# when there is none.
node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	node_modules/.bin/anvil --version
	ln -sf "$$($(VENV)/bin/python -c 'import os; from greenpoints.tools import npm_binary; \
	print(os.path.relpath(npm_binary("node_modules/.bin/anvil"), "$(VENV)/bin"))')" $(VENV)/bin/anvil
	touch $@

# Deploy on the embedded chain and play SPEC section 1's worked example, then simulate the
# baseline scenario on the embedded chain (real transactions, cross-checked against the model)
# and audit it from its events.
demo: install
	$(APE) compile
	$(APE) run demo -v WARNING
	$(APE) run simulate --scenario baseline --backend fast --audit --out results/baseline -v WARNING
	@echo "Simulation and audit (daily.csv, summary.json, plots, audit.html): $(CURDIR)/results/baseline"

# The monitoring page (SPEC 10) on a local association with activity: an anvil of its own, an
# association with two platforms, a simulated fortnight on a third; http://127.0.0.1:8000/ (another port:
# make dashboard-demo DASHBOARD_PORT=8001); Ctrl-C stops it with one line and status 0.
DASHBOARD_PORT ?= 8000
dashboard-demo: install
	$(APE) compile
	$(PY) -m greenpoints.dashboard.demo --port $(DASHBOARD_PORT)

# A local chain that stays up between commands (anvil in the background, its chain saved in .node/
# and reloaded at the next start): every script finds it on --network ethereum:local:foundry.
node: install
	$(APE) run node start

node-stop:
	@if [ -x $(APE) ]; then $(APE) run node stop; else echo "node: not installed"; fi

lint: install
	$(VENV)/bin/ruff check greenpoints scripts tests benchmarks
	$(VENV)/bin/ruff format --check greenpoints scripts tests benchmarks

format: install
	$(VENV)/bin/ruff check --fix greenpoints scripts tests benchmarks
	$(VENV)/bin/ruff format greenpoints scripts tests benchmarks

# Two test processes side by side on the two cores: (1) the stateful machine at 6 decimals
# (tests/stateful -k "not dec18": the `ci` profile on anvil, the `smoke` profile on titanoboa and on
# Ape's embedded chain, the engines' own tests, the regressions), then the tests that run the
# scripts and anvil as separate processes (tests/scripts, tests/integration: they share the
# checkout's records, so they stay in one process, one at a time) and three of the browser's files;
# (2) every other test (unit, security, and the two other browser files: each browser file's node,
# records and pages are its own, in temporary folders on free ports), then the stateful machine at
# 18 decimals (-k dec18: the two -k halves are every stateful test once). The split evens the chains
# out (docs/testing.md). The first's output is shown after the second's; either failing fails `make
# test`. (pytest-xdist workers ran the machine 2x slower, with most of the time in the kernel:
# measured; the split is by folder.) Each chain prints its 20 slowest tests.
AFTER_MACHINE := tests/scripts tests/integration tests/browser/test_exit_queue_in_browser.py \
	tests/browser/test_people_in_browser.py tests/browser/test_dashboard_in_browser.py
test: install lint
	$(APE) compile
	@log=$$(mktemp); \
	{ $(APE) test tests/stateful -q -p no:warnings -k "not dec18"; s=$$?; \
	  $(APE) test $(AFTER_MACHINE) -q -p no:warnings --durations=20; p=$$?; test $$s -eq 0 && test $$p -eq 0; } >$$log 2>&1 & first=$$!; \
	$(APE) test tests -q -p no:warnings --durations=20 --ignore=tests/stateful $(addprefix --ignore=,$(AFTER_MACHINE)); rest=$$?; \
	echo "--- tests/stateful -k dec18:"; $(APE) test tests/stateful -q -p no:warnings -k dec18; machine=$$?; \
	wait $$first; separate=$$?; echo "--- tests/stateful -k 'not dec18', then $(AFTER_MACHINE):"; cat $$log; rm -f $$log; \
	test $$rest -eq 0 && test $$machine -eq 0 && test $$separate -eq 0

# Stateful fuzzing with the `deep` hypothesis profile on anvil (an anvil of its own per process, raw
# JSON-RPC), one process per asset decimals on the two cores; a progress line a minute from each,
# then each one's operations by kind and outcome (an operation never reached is printed as a
# FINDING). `make fuzz FUZZ_ENGINE=boa` runs it on titanoboa instead. docs/testing.md has the figures.
FUZZ_ENGINE ?= anvil
FUZZ := HYPOTHESIS_PROFILE=deep GREENPOINTS_BOA_PROFILE=deep GREENPOINTS_MACHINE_PROGRESS=60 $(APE) test tests/stateful/test_pool_machine.py -p no:warnings -s -q
fuzz: install
	$(APE) compile
	@log=$$(mktemp); \
	$(FUZZ) -k "$(FUZZ_ENGINE) and dec6" >$$log & six=$$!; \
	$(FUZZ) -k "$(FUZZ_ENGINE) and dec18"; eighteen=$$?; \
	wait $$six; s6=$$?; echo "--- decimals 6:"; cat $$log; rm -f $$log; \
	test $$s6 -eq 0 && test $$eighteen -eq 0

# Mutation testing (docs/testing.md): every mutant of the pool's modules, the pool and the registry
# against the stateful machine on titanoboa, then the survivors against the unit tests on Ape.
# Resumes from benchmarks/mutants.jsonl; MUTANTS_ARGS="--only ledger" etc. narrows it (hours in full).
mutants: install
	PATH="$(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/python -m tests.mutation --resume $(MUTANTS_ARGS)

# Gas of every method across the unit suite (Ape's gas profile).
gas: install
	$(APE) compile
	$(APE) test tests/unit -q --gas

# Every benchmark in one run, written to benchmarks/results.md (machine, date, command): gas of
# every operation and its flatness, simulation speed, sweep speed, audit speed, dashboard speed. About
# 25 minutes.
bench: install
	$(APE) compile
	$(PY) -m benchmarks.results

clean:
	rm -rf .build $(VENV) .venv-analysis node_modules .pytest_cache
