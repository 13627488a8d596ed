# gridmap: `make run` sets everything up and serves on http://127.0.0.1:$(PORT);
# `make test` runs the whole suite against a throw-away PostGIS it starts itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT

.PHONY: run stop test bench lint setup vendor clean i18n translations

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "gridmap: '$(PYTHON) -m venv' failed;" \
	  "install Python 3.11+ with venv (Debian: sudo apt-get install python3-venv)" >&2; exit 1; }
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

static/vendor/.installed: package.json scripts/vendor-assets.sh
	bash scripts/vendor-assets.sh

setup: $(VENV)/.runtime static/vendor/.installed

vendor: static/vendor/.installed

run: setup translations
	bash scripts/ensure-report-tools.sh
	bash scripts/run.sh

# Message catalogs (app/translations, Chinese msgids): extract from the code and templates,
# merge into each language's .po, compile the .mo files (not committed).
# make i18n: messages of the code and templates into the catalogs (then translate the new
# ones in app/translations/en); make translations: compile the catalogs the app reads.
i18n: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k "N_:1c,2" -k _l --no-location --sort-output \
	  -o app/translations/messages.pot app
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations \
	  --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d app/translations

translations: $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d app/translations

stop:
	@if [ -d var/pg ]; then $(BIN)/python scripts/pgcluster.py stop var/pg && echo "local PostGIS stopped"; \
	else echo "no local cluster under var/pg"; fi

# ESLint comes with the map assets' npm install (package.json devDependencies)
ESLINT := node_modules/.bin/eslint

lint: $(VENV)/.dev static/vendor/.installed
	$(BIN)/ruff check .
	$(ESLINT) static/js

test: $(VENV)/.dev static/vendor/.installed translations
	bash scripts/ensure-postgis.sh
	bash scripts/ensure-browser.sh
	bash scripts/ensure-gdal.sh
	bash scripts/ensure-ogctests.sh
	bash scripts/ensure-scale-tools.sh
	bash scripts/ensure-report-tools.sh
	$(BIN)/ruff check .
	$(ESLINT) static/js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev
	bash scripts/ensure-postgis.sh
	bash scripts/ensure-bench-tools.sh
	bash scripts/ensure-scale-tools.sh
	bash scripts/ensure-gdal.sh
	bash scripts/ensure-report-tools.sh
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) static/vendor var/npm node_modules
