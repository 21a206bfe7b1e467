# netcomp: two commands do all set-up.
#   make book   create .venv (first use), install pinned packages, build the book into _build/
#   make test   same set-up, then ruff, mypy and the whole test suite (CI runs exactly this)
#   make lint   same set-up, then ruff, the type checker (mypy, configured in pyproject.toml) and
#               ruff on the chapters' code cells (notebooks/*.md, converted: tests/test_chapter_lint.py)
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.netcomp-installed
OUT    ?= _build

# pip warns about index folders configured on some machines but absent: hide only that line
PIP_FILTER := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: book pdf test lint bench lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock $(PIP_FILTER)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . $(PIP_FILTER)
# bytecode now: with PYTHONDONTWRITEBYTECODE set, each build process (about 8) would compile
# netcomp's modules again (~0.13 s each); Python recompiles in memory any module edited later
	$(BIN)/python -m compileall -q netcomp
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/netcomp build --out $(OUT)

# the whole book as one PDF, $(OUT)/html/netcomp-book.pdf, linked from the front page:
# builds (or reuses) the HTML book, then prints its pages with Debian's Chromium (about 15 s)
pdf: book
	$(BIN)/python -m netcomp.book.pdf $(OUT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider tests/test_chapter_lint.py  # the chapters' code cells

bench: $(STAMP)
	$(BIN)/python benchmarks/screen_benchmark.py

# --all keeps setuptools (the editable install above needs it; Python 3.12+ venvs lack it)
lock: $(STAMP)
	{ sed -n '/^#/p' requirements.lock; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -Ev '^(netcomp|pip)([=@ ]|$$)'; \
	} > requirements.lock.new && mv requirements.lock.new requirements.lock

# removes only what netcomp made: $(OUT) when it holds the marker every netcomp build writes,
# and work folders a killed build left next to it (never while a build is running)
OUT_PARENT = $$(dirname -- "$(OUT)")
clean:
	@if grep -qs '"signature": "netcomp-build"' "$(OUT)/.netcomp-build"; then \
		rm -rf -- "$(OUT)" && echo "removed $(OUT) (a netcomp build)"; \
	elif [ -e "$(OUT)" ]; then \
		echo "left $(OUT) alone: it is not a netcomp build (no .netcomp-build marker)"; fi
	@rm -rf -- "$(OUT_PARENT)"/.netcomp-staging-* "$(OUT_PARENT)"/.netcomp-backup-*
	rm -rf .pytest_cache
