# Two commands on a fresh machine: `make run` (set up + open the app), `make test` (set up + test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup clean mutation wheel-check install-desktop

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

# Build the wheel, install it in a fresh venv, run the README's commands from another folder.
wheel-check: $(STAMP)
	PY=$(PY) .ci/wheel_check.sh

# Linux: the menu entry, icons and AppStream metadata for this user (after `pip install .`).
XDG_DATA_HOME ?= $(HOME)/.local/share
APP_ID := io.github.hwadvisor.HardwareAdvisor
install-desktop:
	install -Dm644 ui/resources/$(APP_ID).desktop $(XDG_DATA_HOME)/applications/$(APP_ID).desktop
	install -Dm644 ui/resources/$(APP_ID).metainfo.xml $(XDG_DATA_HOME)/metainfo/$(APP_ID).metainfo.xml
	install -Dm644 ui/resources/hwadvisor.svg $(XDG_DATA_HOME)/icons/hicolor/scalable/apps/$(APP_ID).svg
	for s in 16 24 32 48 64 128 256 512; do \
		install -Dm644 ui/resources/hwadvisor-$$s.png $(XDG_DATA_HOME)/icons/hicolor/$${s}x$${s}/apps/$(APP_ID).png; done

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
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis mutants build dist
