# Every target creates and uses its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-pg16 check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/ec demo

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The same suite on PostgreSQL 16, using the binaries bundled in the pgserver package.
test-pg16: $(STAMP)
	EC_PG_BINDIR="$$($(PY) -c 'import pgserver, pathlib; print(pathlib.Path(pgserver.__file__).parent / "pginstall" / "bin")')" \
	    $(PY) -m pytest -q $(PYTEST_ARGS)

check: $(STAMP)
	$(VENV)/bin/ruff check expandcontract tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m benchmarks.run_all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
