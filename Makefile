# Two commands on a fresh machine: `make run` (set up + open the app), `make test` (set up + test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup clean mutation

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q
	$(BIN)/python -m ruff check .

lint: $(STAMP)
	$(BIN)/python -m ruff check .

# Mutation testing of the model, ranking and rules (slow: not part of `make test`). Runs each
# module at nice 19 on at most two cores; the last line is the score. See tests/mutation_score.py.
MUTATION_STAMP := $(VENV)/.installed-mutation
$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(BIN)/python tests/mutation_score.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis mutants
