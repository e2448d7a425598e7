# make demo — the whole loop on the embedded default (SQLite, synthetic company, dry-run Slack)
# make test — the test suite (SQLite and PostgreSQL, one worker per core); make lint — ruff, mypy, import contracts; make bench
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint bench bench-tiny serve clean migration

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/atrisk demo

test: $(STAMP)
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot scoring playbooks storage synth
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Every benchmark at a tiny size (seconds each): CI runs it so that no benchmark can rot.
bench-tiny: $(STAMP)
	$(BIN)/python -m benchmarks --tiny > bench-tiny.json
	@echo "benchmarks at a tiny size: all ran (bench-tiny.json)"

serve: $(STAMP)
	$(BIN)/atrisk serve

# Regenerate the initial migration from storage/models.py (before the first release only).
migration: $(STAMP)
	rm -f storage/migrations/versions/0001_initial_schema.py /tmp/atrisk-migration.db
	$(BIN)/python -c "from alembic import command; from storage.migrate import alembic_config; \
	command.revision(alembic_config('sqlite:////tmp/atrisk-migration.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	$(BIN)/ruff check --fix --quiet storage/migrations/versions
	$(BIN)/ruff format storage/migrations/versions

clean:
	rm -rf $(VENV) atrisk.db outbox demo .pytest_cache .mypy_cache .ruff_cache
