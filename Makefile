# The two commands a newcomer needs: `make app` serves the kit, `make test` runs every test.
# Both create the virtual environment in .venv the first time.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8866

.PHONY: app test data bench clean-cache help

help:
	@echo "make app    - serve the notebooks with Voila at http://127.0.0.1:$(PORT)/"
	@echo "make test   - run every test (unit, notebooks with nbval, Voila in headless Chromium)"
	@echo "make data   - rebuild data/papers.jsonl from the raw page"
	@echo "make bench  - run the benchmarks (results go in bench/RESULTS.md by hand)"

# Installing copies the Voila templates (share/) into .venv/share/jupyter: reinstall when they
# change, so that plain `voila` and a Jupyter server draw with the same files as `make app`.
# An editable install leaves the kit's own modules without bytecode; where Python may not write it
# (PYTHONDONTWRITEBYTECODE, a read-only checkout on a hub) every new kernel would compile them
# again (about 30 ms of each page served cold), so it is written here, as pip does for a wheel.
$(STAMP): pyproject.toml $(shell find share -type f)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,hub]'
	$(PY) -m compileall -q widgets
	@touch $(STAMP)

app: $(STAMP)
	PORT=$(PORT) $(PY) -m widgets.serve

# Unit tests and the notebooks (nbval) on both cores, a notebook's cells kept together in one
# worker (--dist loadfile); then the browser and hub tests, which share one Voila server, in order.
# Both parts always run; the target fails if either did.
test: $(STAMP)
	@$(PY) -m pytest -n 2 --dist loadfile -m "not browser and not slow"; unit=$$?; \
	$(PY) -m pytest -m "browser or slow"; browser=$$?; \
	exit $$(( unit || browser ))

data: $(STAMP)
	$(PY) -m widgets.build

bench: $(STAMP)
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean-cache:
	rm -rf $${KIT_CACHE_DIR:-$$HOME/.cache/paper-explorer-kit}
