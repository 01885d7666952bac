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
# Where make acceptance writes its results and report (default reports/): two runs side by side need one each.
REPORTS ?=
# make mutation: the matrix on each of these shapes.
MUTATION_API ?= both job
export TARGET

RABBITMQ_SERVER := /usr/lib/rabbitmq/bin/rabbitmq-server
# apt-get needs root: as root (a fresh machine, a container) directly, else through sudo (a CI runner's user).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PROTO_OUT := pandadatastream/pandadatastream_pb2.py
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf

.PHONY: setup setup-fonts browser proto lint format unit acceptance windows signoff mutation soak test bench-stream bench-nightly clean xray lock

# Only what the target needs: the stand's broker (rabbitmq-server) for TARGET=stand alone; a browser (the sign-off
# PDF, the report's browser tests) unless BROWSER=no. `make setup` alone: everything, as a fresh checkout needs.
BROWSER ?= yes
setup: $(VENV)/.installed $(PROTO_OUT) node_modules/.installed $(if $(filter stand,$(TARGET)),$(RABBITMQ_SERVER)) \
	$(if $(filter yes,$(BROWSER)),browser)

# The emoji font, a prerequisite of its own (with the browser it serves): the report's emoji are no empty boxes.
setup: $(if $(filter yes,$(BROWSER)),setup-fonts)
setup-fonts: $(EMOJI_FONT)

# The development kit: requirements-dev.txt, which begins with the run's own requirements.txt.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Both locks from their .in files (the direct dependencies): the run's, then the development kit's over it, with
# every transitive pin, for every platform the run meets (the Windows runner's too).
RUN_PACKAGES = $(shell sed -n 's/^\([A-Za-z0-9_.-]*\)==.*/\1/p' requirements.txt)
COMPILE = $(VENV)/bin/uv pip compile --universal --python-version 3.11 --no-header --quiet
# Pins already in a lock stay as they are (uv prefers them); `make lock UPGRADE=--upgrade` moves them on.
lock: $(VENV)/.installed
	$(COMPILE) $(UPGRADE) requirements.in -o requirements.txt
	$(COMPILE) $(UPGRADE) requirements-dev.in $(addprefix --no-emit-package ,$(RUN_PACKAGES)) -o requirements-dev.txt
	sed -i '1i -r requirements.txt' requirements-dev.txt

# Generated gRPC code is built here, never committed.
proto $(PROTO_OUT): pandadatastream/pandadatastream.proto $(VENV)/.installed
	$(PY) -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. pandadatastream/pandadatastream.proto

node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	@# A worktree's node_modules is a link to the main checkout's: `npm ci` through it would empty that one.
	if [ -L node_modules ]; then echo "node_modules is a link: left as it is"; else npm ci --no-audit --no-fund --loglevel=error; fi
	touch $@

$(RABBITMQ_SERVER):
	$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server

# A browser the runner has (tools/verdicts/browser.py looks in the same places) before asking apt: Chrome on GitHub's Ubuntu
# runners, Debian's chromium, or one Playwright installed. Ubuntu's apt chromium is only a snap's stub.
browser: $(VENV)/.installed
	@$(PY) -m tools.verdicts.browser >/dev/null || \
	  ($(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium)

# An emoji font, so that the report's emoji (the clarifications' 1️⃣ ❌ ✅, in quotes) are not empty boxes in Chromium
# and in the printed sign-off sheet. Its own rule: `setup` lists it beside the other prerequisites.
$(EMOJI_FONT):
	$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-color-emoji

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m tools.specs.quote_lint
	$(PY) -m tools.specs.prose_lint
	$(PY) -m tools.verdicts.known_defects
	$(VENV)/bin/actionlint .github/workflows/*.yml

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

unit: setup
	$(PY) -m pytest -q

# ./acceptance (README's command) keeps the run's exit code; make can only say 0 or 2, so it names the code too.
acceptance:
	@./acceptance --profile $(PROFILE) --target $(TARGET) --api $(API) --catalogue $(CATALOGUE) \
	  $(if $(REPORTS),--base $(REPORTS)) || { code=$$?; echo "make acceptance: the run exited $$code (make exits 2)"; exit $$code; }

# Per clause, the history window(s) the suite would use in the target's catalogue, or what the catalogue lacks
# (`python -m support.recordings`, against a stand started for it when TARGET=stand).
windows: setup
	$(PY) -m tools.run.nightly --windows --target $(TARGET) --api $(API) --catalogue $(CATALOGUE)

# The sign-off sheet of the last run: reports/signoff.html and reports/signoff.pdf (headless Chromium).
signoff: setup
	$(PY) -m tools.verdicts.signoff

mutation: setup
	$(PY) -m tools.proof.mutation --profile $(or $(MUTATION_PROFILE),nightly) --api $(MUTATION_API)

# Steady under load: quick x30 and nightly x3 on the stand beside a CPU hog; flaky results and wall times.
soak: setup
	$(PY) -m tools.proof.soak --quick $(or $(SOAK_QUICK),30) --nightly $(or $(SOAK_NIGHTLY),3)

# The README's test command (tools/ci/phases.py): the unit and stand tests and the lint side by side with the nightly
# acceptance at the real 180 s limit on the production shape (job API only) over a continuously recording catalogue
# and on both APIs over the default one (the report kept is that one), then the mutation matrix on both shapes at a
# 20 s limit; at the end, how long each phase took.
test: setup
	$(PY) -m tools.ci.phases

# The run's results in Xray's import format: reports/xray/execution.json (`python -m tools.ci.xray upload` posts it).
xray: setup
	$(PY) -m tools.ci.xray build

bench-stream: setup
	$(PY) -m bench.stream

bench-nightly: setup
	$(PY) -m bench.nightly

clean:
	rm -rf reports .pytest_cache .ruff_cache

.PHONY: review spec-diff

# The review view of the feature files changed since BASE (default main): reports/review/review.html and review.md.
review: setup
	$(PY) -m tools.specs.review --base $(or $(BASE),main)

# What a new version of the clarifications does to the specs: quotes gone, clauses changed, new rows and sections.
spec-diff: setup
	$(PY) -m tools.specs.spec_diff --new "$(NEW)"
