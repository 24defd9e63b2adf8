# One file for every task: `make run` to use it, `make test` to prove it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: setup run test test-fast lint format typecheck bench clean

setup: $(STAMP)

# Reinstalls only when pyproject.toml changes, so a second `make setup` takes a moment.
$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Procfile.dev reads HOST and PORT from the environment (exported above). Ctrl-C reaches
# honcho, which stops all three processes.
run: setup
	$(BIN)/python manage.py migrate --noinput
	@echo "------------------------------------------------------------------------------"
	@$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Open http://$(HOST):$(PORT)/ and sign in with a demo login above."
	@echo "API docs: http://$(HOST):$(PORT)/api/docs/   Admin (manager): http://$(HOST):$(PORT)/admin/"
	@echo "Starting web, Celery worker and Celery beat. Ctrl-C stops all three."
	@echo "------------------------------------------------------------------------------"
	$(BIN)/honcho start -f Procfile.dev

# The whole suite on PostgreSQL and on SQLite, with a real Redis broker and Celery workers.
test: setup
	$(BIN)/python scripts/test_suite.py

# One database only, for a quick loop while working: `make test-fast ARGS=tests/test_x.py`.
test-fast: setup
	$(BIN)/pytest -q $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup
	$(BIN)/mypy clinic procedures scheduling config

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache .mypy_cache
