# Two commands do all the set-up on a fresh machine:
#   make demo   — install, then scan the bundled samples (the pipeline command of the README)
#   make test   — install, then run the test suite
# Everything lands in .venv (cloudgov and its extras) and .venv-checkov (checkov, kept apart:
# it pins old boto3/networkx and must never share cloudgov's environment).

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test ruff lint smoke dist bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

setup: $(STAMP)
	@if [ -x scripts/setup-system ]; then scripts/setup-system; fi
	@if [ -x scripts/setup-checkov ]; then scripts/setup-checkov; fi

demo: setup
	@$(BIN)/cloudgov scan snapshot samples/estate/ --format table --format sarif --format junit --format json \
		--output-dir out/ --fail-on high; code=$$?; \
	echo "cloudgov exited $$code (1: high-severity findings, as samples/README.md expects)"; \
	[ $$code -le 1 ]

test: setup
	$(BIN)/python -m pytest

# sdist and wheel into dist/, built from the sdist (what an index user installs)
dist: setup
	$(BIN)/python scripts/build-dist dist/

# the wheel installed into fresh virtualenvs outside this tree: README commands, missing extras
smoke: dist
	CLOUDGOV_SMOKE=1 CLOUDGOV_WHEEL="$$(ls dist/cloudgov-*.whl)" $(BIN)/python -m pytest tests/smoke tests/packaging -p no:cacheprovider

# static checks (configuration in pyproject.toml: ruff's rule set, mypy's files); .ci/run runs
# `make lint`, and both stay clean
ruff: setup
	$(BIN)/ruff check scanner policies vendor_dd exit_plans

lint: ruff
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf out/ dist/ .pytest_cache build *.egg-info
