# TrustMart: `make demo` runs the demo site, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint install browser bench clean messages messages-check

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

browser:
	@sh scripts/ensure-browser.sh

demo: install
	DEBUG=1 TRUSTMART_DEMO=1 $(BIN)/trustmart demo

test: install browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src bench tests
	$(BIN)/lint-imports
	TRUSTMART_TESTING=1 $(BIN)/mypy
	TRUSTMART_TESTING=1 TRUSTMART_DATA_DIR=$$(mktemp -d) $(BIN)/trustmart makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench $(NAME)

clean:
	rm -rf $(VENV) data artifacts

# Re-extract messages and fail if the committed catalogs are stale or incomplete.
messages-check: install
	cd src/trustmart && TRUSTMART_TESTING=1 ../../$(BIN)/trustmart makemessages -l zh_Hans --no-obsolete --add-location file -i "*/tests/*" >/dev/null
	git diff -I '^"POT-Creation-Date' -I '^#: ' --exit-code -- src/trustmart/locale || (echo "translations are stale: run make messages" >&2; exit 1)

messages: install
	cd src/trustmart && TRUSTMART_TESTING=1 ../../$(BIN)/trustmart makemessages -l zh_Hans --no-obsolete --add-location file -i "*/tests/*"
	cd src/trustmart && TRUSTMART_TESTING=1 ../../$(BIN)/trustmart compilemessages
