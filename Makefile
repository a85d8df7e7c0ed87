# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
# Where `make run` listens: `make run PORT=8080 HOST=0.0.0.0` to reach it from the showroom's phones.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup demo messages lint bench clean vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

## run: SQLite under var/, demo data, logins printed, web on http://$(HOST):$(PORT) plus worker and beat
run: setup
	mkdir -p var
	DJANGO_SETTINGS_MODULE=dealer_crm.settings.local $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=dealer_crm.settings.local $(BIN)/python manage.py seed_demo
	@# A Celery worker with an embedded beat runs beside the web server (filesystem broker: no Redis needed).
	DJANGO_SETTINGS_MODULE=dealer_crm.settings.local $(BIN)/celery -A dealer_crm worker --beat \
	    --schedule var/celerybeat-schedule --loglevel INFO --concurrency 1 --logfile var/celery.log & \
	  trap 'kill %1 2>/dev/null' EXIT INT TERM; \
	  DJANGO_SETTINGS_MODULE=dealer_crm.settings.local $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite; PostgreSQL/Redis/Chromium when present (DATABASE_URL, REDIS_URL), SQLite otherwise
test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --create-db $(PYTEST_ARGS)

## messages: re-extract and compile the zh-hans catalogue (needs GNU gettext; the compiled .mo is committed)
messages: setup
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-location \
	    -i ".venv/*" -i "var/*" -i "test-artifacts/*" -i "tests/*" -i "benchmarks/*"
	$(BIN)/python manage.py compilemessages -l zh_Hans -i ".venv"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## bench: every main page at 100k and 1M register entries of a dealer group, then under load (benchmarks/README.md)
bench: setup
	$(BIN)/python benchmarks/pages.py

## vendor: rebuild static/vendor/ from the npm registry's packages, versions pinned in the script (needs npm)
vendor:
	scripts/vendor_static.sh

clean:
	rm -rf $(VENV) var .pytest_cache
