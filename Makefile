# unspun: two commands on a fresh machine (Debian, Python 3.11, pip, no GPU):
#   make demo   virtualenv + runtime install, then analyse the bundled example page (report.html + terminal)
#   make test   virtualenv + dev install, then the whole test suite (what CI runs: .ci/run)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# spaCy 3.7.5 and its model are built against numpy 1, and spaCy 3.8 with numpy 2 is ~2.5x slower here;
# pip would upgrade numpy to 2 for some dependency unless the constraint is on the same command line.
NUMPY := "numpy<2"

.PHONY: demo test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . $(NUMPY)
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]' $(NUMPY)
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/unspun analyze examples/port-deal.html --format html --out report.html
	$(BIN)/unspun analyze examples/port-deal.html
	@echo "HTML report written to report.html"

# STYLE.md: ruff and mypy in CI, before the tests.
test: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q

test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest -q -m "not model"

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy src

bench: $(VENV)/.runtime
	$(BIN)/python benchmarks/bench_pipeline.py --limit 100

clean:
	rm -rf $(VENV) report.html .pytest_cache
