# Sendoff: `make run` serves the demo, `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup setup-dev system system-test translations migrate demo lint e2e bench clean

run: setup migrate demo
	$(FLASK) run --host $(HOST) --port $(PORT)

test: setup-dev system-test translations
	$(BIN)/pytest $(PYTEST_ARGS)

setup: system $(VENV)/.installed translations

setup-dev: setup $(VENV)/.installed-dev

system:
	@scripts/system-packages.sh

system-test:
	@scripts/system-packages.sh --test

$(VENV)/bin/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d app/translations >/dev/null

messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

migrate: setup
	$(BIN)/alembic upgrade head
	$(FLASK) workflows deploy

demo: migrate
	$(FLASK) demo load

lint: setup-dev
	$(BIN)/ruff check .
	$(FLASK) workflows lint
	$(FLASK) handover lint

e2e: setup-dev system-test translations
	$(BIN)/pytest -m e2e

bench: setup-dev
	$(BIN)/python -m bench engine --quick

clean:
	rm -rf $(VENV) instance/*.db*
