# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
SSCARD := $(BIN)/sscard
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres lint bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON) --quiet
	touch $@

install: $(VENV)/.installed

## Serve on the embedded default (SQLite, demo data) at http://$(HOST):$(PORT)
run: install
	$(SSCARD) migrate --no-input -v 0
	$(SSCARD) demo
	$(SSCARD) collectstatic --no-input -v 0
	@echo "sscard is serving at http://$(HOST):$(PORT)/"
	$(SSCARD) runserver --insecure $(HOST):$(PORT)

## The whole suite on SQLite; on PostgreSQL too when DATABASE_URL points at one.
test: install
	$(MAKE) --no-print-directory test-sqlite
	@case "$$DATABASE_URL" in \
	  postgres://*|postgresql://*|pgsql://*) $(MAKE) --no-print-directory test-postgres ;; \
	  *) echo "DATABASE_URL does not point at PostgreSQL: the PostgreSQL run is skipped" ;; \
	esac

test-sqlite: install
	@echo "== test suite on SQLite"
	DATABASE_URL= $(BIN)/pytest -q -p no:cacheprovider

test-postgres: install
	@echo "== test suite on PostgreSQL ($${DATABASE_URL%%@*}@...)"
	$(BIN)/pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DATABASE_URL= $(SSCARD) makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/card_status.py --all

clean:
	rm -rf $(VENV) .tools var .mypy_cache .ruff_cache .pytest_cache
