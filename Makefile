# The two commands a newcomer needs: `make run` and `make test` (README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install install-dev messages messages-update messages-check setup lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compiled translations are build output: compiled from the committed .po files with Babel,
# which needs no system gettext.
messages: $(VENV)/.installed
	$(BIN)/pybabel compile --domain django --directory locale --statistics

# New or changed UI strings: merge them from the sources into locale/{ru,en,kk} (Babel, babel.cfg), then
# list every msgid English or Kazakh does not translate yet (agreements/catalogs.py; also a test).
messages-update: $(VENV)/.installed
	$(BIN)/python -m agreements.catalogs update

messages-check: $(VENV)/.installed
	$(BIN)/python -m agreements.catalogs check
	@if command -v msgfmt >/dev/null 2>&1; then for po in locale/*/LC_MESSAGES/django.po; do \
		msgfmt --check -o /dev/null $$po || exit 1; done; fi

setup: install messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py load_seed

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: /admin/, see README for a staff user)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# axe-core (npm) for the accessibility tests; without Node.js they skip and say why (CI requires them).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: the accessibility (axe-core) tests will be skipped"; fi

test: install-dev messages node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
