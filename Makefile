# ArbitrageX Plus: the two commands a new user needs are `make demo` and `make test`.
# Every target is safe to run twice.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: demo test venv engine contracts services services-stop lint pytest bench-engine bench-pipeline bench-floor bench-sanctions gas clean

## demo: start the whole product on embedded defaults (SQLite, filesystem broker, local anvil)
demo: venv engine contracts
	@bash scripts/demo.sh

## test: install what is missing, start PostgreSQL and Redis, run linters, cargo, forge and pytest
test: venv engine contracts
	@bash scripts/test.sh

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@bash scripts/venv.sh
	@touch $@

## engine: build the Rust engine into the virtual environment (maturin)
engine: venv
	@bash engine_rs/build.sh

## contracts: npm packages for forge, anvil, solc and the Uniswap V2 artifacts; forge build
## (the executor's ABI and bytecode in contracts/out are what the Python side deploys)
contracts:
	@bash contracts/install.sh
	@cd contracts && bin/forge build --quiet

services:
	@bash scripts/services.sh start

services-stop:
	@bash scripts/services.sh stop

lint: venv
	@bash scripts/lint.sh

bench-engine: venv engine
	@$(PY) bench/engine_bench.py

## bench-pipeline: block-to-transaction latency of the product against the bare path
bench-pipeline: venv engine contracts services
	@$(PY) bench/pipeline_bench.py

## bench-floor: what three Celery hops and the least crash-safe persistence cost, with no work
bench-floor: venv services
	@$(PY) bench/queue_floor.py

## bench-sanctions: importing a 20,000-entry SDN list and screening a name against it
bench-sanctions: venv services
	@$(PY) bench/sanctions_bench.py

gas: contracts
	@bash contracts/gas.sh

clean:
	rm -rf $(VENV) engine_rs/target contracts/out contracts/cache contracts/node_modules .run
