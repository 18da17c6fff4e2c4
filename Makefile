# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bench run suites/censorship.yaml --simulate --run-id demo --overwrite
	$(BIN)/bench report demo
	$(BIN)/bench run suites/censorship.yaml --simulate --family deepseek-v3 --run-id demo-family --overwrite --no-progress
	$(BIN)/bench report demo-family
	@echo "results: results/demo/   reports: reports/demo/report.md, reports/demo/report.html"
	@echo "one family on every host (where censorship lives): reports/demo-family/report.html"

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) results/* reports/*
