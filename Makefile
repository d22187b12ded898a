# Tidewatch developer commands. `make help` lists them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
MAP_STAMP := build/static/map/.installed
export TIDEWATCH_DATA_DIR ?= $(CURDIR)/data

.DEFAULT_GOAL := help
.PHONY: help install ocr-tools run serve sync documents test test-postgres lint format bench docs screenshots brief-screenshots clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Map geometry and map scripts come from npm (us-atlas, d3-geo, topojson-client);
# they are installed here, never committed.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

$(MAP_STAMP): $(NPM_STAMP) $(STAMP)
	$(BIN)/python -c 'from pathlib import Path; from tidewatch.places.geometry import install_static; install_static(Path("build/static/map"))'
	touch $(MAP_STAMP)

install: $(STAMP) $(NPM_STAMP) $(MAP_STAMP) ocr-tools ## Install Tidewatch, its tools (.venv) and the map files (npm)
	$(BIN)/python -m tidewatch.i18n

run: install ## Install, set up the database, sync ICE's lists, serve on 127.0.0.1:8000
	$(BIN)/tidewatch migrate
	-$(BIN)/tidewatch sync
	$(BIN)/tidewatch serve --host 127.0.0.1 --port 8000

serve: install ## Serve the site without syncing first
	$(BIN)/tidewatch migrate
	$(BIN)/tidewatch serve --host 127.0.0.1 --port 8000

sync: install ## Download ICE's current lists and import them
	$(BIN)/tidewatch migrate
	$(BIN)/tidewatch sync

# OCR of scanned agreements uses Debian's tesseract and poppler (separate
# programs, not Python packages): installed here when this is root on Debian.
ocr-tools:
	@command -v tesseract >/dev/null && command -v pdftoppm >/dev/null || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq tesseract-ocr poppler-utils >/dev/null; \
	else \
		echo "note: install tesseract-ocr and poppler-utils to read scanned agreements (OCR)"; \
	fi

documents: install ## Download and read every MOA and addendum the lists link to
	$(BIN)/tidewatch migrate
	$(BIN)/tidewatch documents fetch

test: install ## Install, then run every test (corpus tests need TIDEWATCH_CORPUS)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python -m pytest

lint: install ## Check style
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

format: install ## Fix style
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: install ## Run the benchmarks; results go to docs/benchmarks.md
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y wrk; } \
		|| { echo "make bench needs wrk (Debian/Ubuntu: sudo apt-get install wrk)"; exit 1; }
	$(BIN)/python bench/run.py

screenshots: install ## Photograph home, a county and an agency page into docs/screenshots/
	$(BIN)/python scripts/screenshots.py

brief-screenshots: install ## Print Charleston County's council brief (EN, ES) from data/ into docs/screenshots/
	mkdir -p build
	for lang in en es; do \
		$(BIN)/tidewatch brief --county 45019 --language $$lang --output build/brief-$$lang.pdf && \
		pdftoppm -png -r 80 build/brief-$$lang.pdf docs/screenshots/brief-$$lang || exit 1; \
	done

docs: install ## Regenerate docs/cli-reference.md from --help
	$(BIN)/python -m tidewatch.docs_gen

clean: ## Remove the virtual environment and npm packages (data/ is kept)
	rm -rf $(VENV) build node_modules *.egg-info
