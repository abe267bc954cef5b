# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
SSCARD := $(BIN)/sscard
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-deps run test test-sqlite test-postgres lint bench clean deploy-check

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON) --quiet
	touch $@

install: $(VENV)/.installed

# Debian packages the service and its browser tests need: Chromium (browser tests, driven by
# Playwright), a CJK font embedded in PDFs for citizens, Node's axe-core for accessibility,
# espeak-ng, which speaks the voice menu's prompts for `sscard call --speak`, and nginx with
# openssl for the test of the deployment (tests/test_deploy_nginx.py, docs/deploy.md).
DEBIAN_PACKAGES := chromium fonts-wqy-microhei espeak-ng nginx openssl
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
system-deps: node_modules/.installed
	@if [ ! -x /usr/bin/chromium ] || [ ! -f $(CJK_FONT) ] || [ ! -x /usr/bin/espeak-ng ] \
	  || [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/openssl ]; then \
	  echo "== installing $(DEBIAN_PACKAGES) from Debian"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y -q --no-install-recommends $(DEBIAN_PACKAGES) >/dev/null \
	  || { $$SUDO apt-get update -q >/dev/null && \
	       $$SUDO apt-get install -y -q --no-install-recommends $(DEBIAN_PACKAGES) >/dev/null; }; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Serve on the embedded default (SQLite, demo data) at http://$(HOST):$(PORT): gunicorn with
## config/gunicorn.py and the worker beside it (`sscard serve`), which ends by printing how to
## try the portal, the console, the API, the terminal and the voice menu.
run: install system-deps
	$(SSCARD) migrate --no-input -v 0
	$(SSCARD) demo
	$(SSCARD) collectstatic --no-input -v 0
	$(SSCARD) serve --bind $(HOST):$(PORT)

## The whole suite on SQLite; on PostgreSQL too when DATABASE_URL points at one. The two runs
## share nothing (their own databases, Redis keys under their own prefix, servers on free ports),
## so they go side by side, each one's output printed whole when it ends.
test: install system-deps
	@case "$$DATABASE_URL" in \
	  postgres://*|postgresql://*|pgsql://*) \
	    $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres ;; \
	  *) $(MAKE) --no-print-directory test-sqlite; \
	    echo "DATABASE_URL does not point at PostgreSQL: the PostgreSQL run is skipped" ;; \
	esac

test-sqlite: install
	@echo "== test suite on SQLite"
	DATABASE_URL= $(BIN)/pytest -q -p no:cacheprovider

test-postgres: install
	@echo "== test suite on PostgreSQL ($${DATABASE_URL%%@*}@...)"
	$(BIN)/pytest -q -p no:cacheprovider

## docs/deploy.md run for real: nginx (deploy/nginx/) with a self-signed certificate in front of
## gunicorn with production settings, on free ports and a temporary directory.
deploy-check: install
	@[ -x /usr/sbin/nginx ] && [ -x /usr/bin/openssl ] || $(MAKE) --no-print-directory system-deps
	DATABASE_URL= $(BIN)/pytest -q -p no:cacheprovider tests/test_deploy_nginx.py tests/test_deploy_docs.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-logo
	DATABASE_URL= $(SSCARD) makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/card_status.py --all

## The status endpoint over HTTP under gunicorn, next to /api/v1/ping, on SQLite and PostgreSQL
## (1M cards; needs wrk and hey: apt-get install -y wrk hey; not part of CI).
## More options: make bench-http BENCH_HTTP_ARGS="--worker-class both --people 10000"
.PHONY: bench-http
bench-http: install
	$(BIN)/python bench/http_status.py --db all $(BENCH_HTTP_ARGS)

clean:
	rm -rf $(VENV) .tools var .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
