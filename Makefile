# Zhian — the command menu. `make run` and `make test` are the two commands a new machine needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST := $(BIN)/python -m pytest
PG_BIN ?= /usr/lib/postgresql/15/bin
CHROMIUM ?= /usr/bin/chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help run test test-sqlite test-postgres bench lint messages system-deps demo clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

venv: $(BIN)/.installed  ## create .venv and install pinned dependencies

run: $(BIN)/.installed  ## migrate SQLite, load the demo bureau once, serve http://127.0.0.1:8000 and run the task worker (Ctrl-C stops both)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	ZHIAN_DEMO_WAIVE_MFA=1 PYTHON=$(BIN)/python scripts/run-dev

demo: $(BIN)/.installed  ## (re)load the demo data without serving
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo

system-deps:  ## install PostgreSQL 15, Chromium, a Chinese font and gettext with apt when missing (needs root)
	@missing=""; \
	test -x $(PG_BIN)/initdb || missing="$$missing postgresql-15"; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-microhei"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(BIN)/.installed  ## ruff (checks and format), mypy (zhian, bench, tests), and the layer contracts (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --explicit-package-bases zhian bench tests
	PYTHONPATH=. $(BIN)/lint-imports

test: $(BIN)/.installed system-deps lint test-sqlite test-postgres  ## lint, then the whole suite on SQLite and on PostgreSQL 15

test-sqlite: $(BIN)/.installed
	$(MANAGE) makemigrations --check --dry-run >/dev/null || (echo "missing migrations: run makemigrations" && exit 1)
	$(PYTEST) -p no:cacheprovider -n 2

test-postgres: $(BIN)/.installed
	scripts/with-postgres $(PYTEST) -p no:cacheprovider -n 2 -m "not browser" --ignore=tests/analytics

bench: $(BIN)/.installed  ## run every benchmark in bench/, printing tables and `bench:` lines
	@for f in bench/[!_]*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

messages: $(BIN)/.installed  ## refresh the English catalogue after changing UI text
	cd zhian && ../$(BIN)/python ../manage.py makemessages -l en --no-obsolete && ../$(BIN)/python ../manage.py compilemessages -l en

clean:  ## remove the venv, the local database and caches
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache test-output
