# Entry point of the project. Everything runs from .venv/; `make setup` installs what is missing.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= nightly
TARGET ?= stand
# The embedded stand's REST shape: both (default), task, or job (the production server's six routes).
API ?= both
# The recordings the embedded stand plays: default, contract (the contract's table), continuous, or a file.
CATALOGUE ?= default
# make mutation: the matrix on each of these shapes.
MUTATION_API ?= both job
export TARGET

RABBITMQ_SERVER := /usr/lib/rabbitmq/bin/rabbitmq-server
# apt-get needs root: as root (a fresh machine, a container) directly, else through sudo (a CI runner's user).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PROTO_OUT := pandadatastream/pandadatastream_pb2.py

.PHONY: setup proto lint format unit acceptance windows signoff mutation soak test bench-stream bench-nightly clean xray

setup: $(VENV)/.installed $(PROTO_OUT) node_modules/.installed $(RABBITMQ_SERVER) /usr/bin/chromium

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Generated gRPC code is built here, never committed.
proto $(PROTO_OUT): pandadatastream/pandadatastream.proto $(VENV)/.installed
	$(PY) -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. pandadatastream/pandadatastream.proto

node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(RABBITMQ_SERVER):
	$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server

/usr/bin/chromium:
	$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m tools.quote_lint
	$(VENV)/bin/actionlint .github/workflows/*.yml

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

unit: setup
	$(PY) -m pytest -q

acceptance: setup
	$(PY) -m tools.nightly --profile $(PROFILE) --target $(TARGET) --api $(API) --catalogue $(CATALOGUE)

# Per clause, the history window(s) the suite would use in the target's catalogue, or what the catalogue lacks.
windows: setup
	$(PY) -m tools.windows --target $(TARGET) --api $(API) --catalogue $(CATALOGUE)

# The sign-off sheet of the last run: reports/signoff.html and reports/signoff.pdf (headless Chromium).
signoff: setup
	$(PY) -m tools.signoff

mutation: setup
	$(PY) -m tools.mutation --profile $(or $(MUTATION_PROFILE),nightly) --api $(MUTATION_API)

# Steady under load: quick x30 and nightly x3 on the stand beside a CPU hog; flaky results and wall times.
soak: setup
	$(PY) -m tools.soak --quick $(or $(SOAK_QUICK),30) --nightly $(or $(SOAK_NIGHTLY),3)

# The README's test command: unit and integration tests, lint, the nightly acceptance on the production shape (job API
# only) and then on both APIs (the report kept is that one), and the mutation matrix on both shapes.
test: setup
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory acceptance PROFILE=nightly API=job
	$(MAKE) --no-print-directory acceptance PROFILE=nightly
	$(MAKE) --no-print-directory mutation

# The run's results in Xray's import format: reports/xray/execution.json (`python -m tools.xray upload` posts it).
xray: setup
	$(PY) -m tools.xray build

bench-stream: setup
	$(PY) -m bench.stream

bench-nightly: setup
	$(PY) -m bench.nightly

clean:
	rm -rf reports .pytest_cache .ruff_cache
