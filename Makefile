# The two commands: `make run` (service + demo tenant on an embedded PostgreSQL) and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/partyledger serve

test: $(STAMP)
	$(VENV)/bin/pip install --quiet --no-deps -e . --config-settings editable_mode=strict
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

schema: $(STAMP)
	$(VENV)/bin/partyledger schema --output graphql/schema.graphql

bench: $(STAMP)
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
