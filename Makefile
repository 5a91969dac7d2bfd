# Newcomers: `make book` builds everything, `make test` runs the test suite.
# Both work from a fresh Debian machine as root.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
VENV := .venv
BIN := $(VENV)/bin
# uv through the interpreter, so it works whether or not its script is on PATH.
UV := python3 -m uv
APT_PACKAGES := latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
	texlive-fonts-extra texlive-xetex texlive-science texlive-lang-chinese fonts-freefont-otf \
	fonts-noto-cjk lmodern poppler-utils chromium chromium-driver faketime

# HTML and PDF are built together, by one `chinaev build`: it replaces both or neither,
# so they always show the same notebooks (a failed PDF leaves the old HTML too).
BOOK_OUTPUTS := _build/html/index.html _build/pdf/book.pdf

.PHONY: book test setup system-deps validate run html pdf lint clean

book: system-deps setup validate run $(BOOK_OUTPUTS)

setup: $(VENV)/.synced

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on the CI
# machine) Python would otherwise compile every imported module from source in every
# process, about 7 s per chapter kernel. Python still reads .pyc files it may not write.
$(VENV)/.synced: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --extra dev --compile-bytecode
	$(BIN)/python -m compileall -q scripts
	touch $@

# Another apt (unattended upgrades on a fresh machine, a parallel job) may hold apt's
# locks: wait up to 10 minutes rather than fail. DPkg::Lock::Timeout makes apt wait for
# dpkg's lock; `apt-get update` does not wait for the package lists' lock, so it is
# tried again every 10 s for as long.
APT_GET := apt-get -o DPkg::Lock::Timeout=600
APT_UPDATE := for try in $$(seq 60); do $(APT_GET) update -qq && break; \
	[ $$try -lt 60 ] || exit 1; echo "apt-get update failed; trying again in 10 s"; sleep 10; done

system-deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then $(APT_UPDATE); \
	    DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq --no-install-recommends $$missing; fi; \
	else echo "not root: install these Debian packages yourself: $(APT_PACKAGES)"; fi

validate: setup
	$(BIN)/chinaev validate

run: setup
	$(BIN)/chinaev run

# The book is rebuilt only when something it is made from is newer than the output
# (the test suite's book fixture builds the same outputs and uses the same rule), so
# `make test` then `make book`, as CI runs them, builds the book once.
# One pytest process per core; tests/conftest.py keeps tests that share a built book
# in one process and hands out the longest groups first.
PYTEST_WORKERS ?= auto

BOOK_INPUTS := _config.yml $(wildcard book/_toc.yml book/*.md book/*.ipynb book/_static/*.css) \
	$(wildcard scripts/chinaev/*.py scripts/chinaev/*/*.py scripts/chinaev/*/*/*.py)

html pdf: setup $(BOOK_OUTPUTS)

$(BOOK_OUTPUTS) &: $(BOOK_INPUTS)
	$(BIN)/chinaev build

# The package itself is checked inside the suite, in parallel with the rest:
# tests/test_validate.py runs `frictionless validate` and `chinaev validate` (which also
# finds stale derived figures).
test: setup
	@$(BIN)/python -m compileall -q scripts
	$(BIN)/ruff check scripts tests benchmarks book
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

lint: setup
	$(BIN)/ruff check scripts tests benchmarks book
	$(BIN)/ruff format --check scripts tests benchmarks

clean:
	rm -rf _build book/_build
