# The two commands: `make run` (service + demo tenant on an embedded PostgreSQL) and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PACKAGES := domain services projections graphql infra

.PHONY: run test schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	touch $(STAMP)

# A strict editable install lists modules one by one: reinstall when a package folder changes.
$(VENV)/.modules: $(STAMP) $(PACKAGES)
	$(VENV)/bin/pip install --quiet --no-deps -e . --config-settings editable_mode=strict >/dev/null 2>&1 \
	  || $(VENV)/bin/pip install --no-deps -e . --config-settings editable_mode=strict
	touch $@

# The embedded server's superuser (or PARTYLEDGER_DATABASE_URL's, if a superuser) provisions; the
# service logs in as partyledger_service, made on the way (docs/SECURITY.md, "The database wall").
run: $(VENV)/.modules
	$(VENV)/bin/partyledger serve

test: $(VENV)/.modules
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

schema: $(VENV)/.modules
	$(VENV)/bin/partyledger schema --output graphql/schema.graphql

bench: $(VENV)/.modules
	$(VENV)/bin/python bench/run.py
	$(VENV)/bin/python bench/read_side.py

clean:
	rm -rf $(VENV) build *.egg-info
