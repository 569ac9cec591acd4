# Kestrel: `make run` serves the assistant on http://localhost:8000; `make test` runs every test.
# Both install and train first when needed, so a fresh clone needs nothing else.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
MODEL  := models/kestrel.tar.gz
SPACY  := build/spacy_en/meta.json
STAMP  := $(VENV)/.installed-stamp
TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(SPACY) nlp/intent_overrides.py
PORT   ?= 8000
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS ?= ignore::DeprecationWarning

.PHONY: help install lock spacy train run shell test test-fast dialogues eval lint bench browser-deps test-services telegram-webhook clean

help:
	@echo "make run    - install, train if needed, serve http://localhost:$(PORT)"
	@echo "make test   - install, train if needed, run every test"
	@echo "make dialogues [URL=http://localhost:8000] - the dialogue scripts in tests/dialogues (docs/dialogue-scripts.md)"
	@echo "make shell  - talk to the assistant in this terminal (action server + rasa shell)"
	@echo "make eval   - accuracy on the held-out messages (tests/nlu_holdout*.yml) and the blind conversations (tests/conversations/)"
	@echo "make lint   - rasa data validate, ruff, mypy"
	@echo "make bench  - speed benchmark and paced capacity (see bench/, docs/performance.md)"
	@echo "make telegram-webhook - register the Telegram webhook and its secret (docs/channels.md)"

install: $(STAMP)
$(STAMP): requirements.lock requirements.txt
	@echo "==> Installing Python packages into $(VENV) (first time: about 3 minutes, 2.7 GB)"
	@py=$$(command -v python3.10 || command -v python3); \
	  $$py -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else "Python 3.10 is needed (rasa 3.6 needs < 3.11); found " + sys.version)'; \
	  [ -x $(PY) ] || $$py -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip==24.0
	@$(PY) -m pip install -q --no-deps -r requirements.lock
	@$(PY) -m pip check
	@touch $@

# Freeze what is installed now (after a `pip install` of a new pin), without reinstalling first.
lock:
	@echo "# Full lock: every installed package at the version tested. Made by \`make lock\` (pip freeze)." > requirements.lock
	@$(PY) -m pip freeze --all --exclude pip | grep -v "@ file" >> requirements.lock
	@touch $(STAMP)

spacy: $(SPACY)
$(SPACY): nlp/patterns.jsonl nlp/build_pipeline.py $(STAMP)
	@echo "==> Building the spaCy pipeline (entity ruler) into build/spacy_en"
	@$(PY) nlp/build_pipeline.py build/spacy_en

train: $(MODEL)
$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	@echo "==> Training the model (about 4 minutes)"
	@# --force: SpacyNLP fingerprints only the pipeline's path, so new patterns would be missed.
	@$(RASA) train --force --fixed-model-name kestrel --out models 2>&1 | grep -E "Epochs|Your Rasa model|Error|error" | tail -n 5
	@test -f $@

# Local clients and scripts name REST conversations freely ("user1"); a deployment should not (docs/security.md).
REST_OPEN_SENDERS ?= true
run: $(MODEL)
	@echo "==> Serving Kestrel on http://localhost:$(PORT) (Ctrl+C to stop)"
	@PORT=$(PORT) REST_OPEN_SENDERS=$(REST_OPEN_SENDERS) $(PY) -m api

shell: $(MODEL)
	@$(RASA) run actions --actions actions --port 5055 >/tmp/kestrel-actions.log 2>&1 & pid=$$!; \
	  trap "kill $$pid" EXIT; sleep 5; $(RASA) shell --model $(MODEL) --endpoints endpoints.yml

browser-deps:
	@bash scripts/install_browser_deps.sh

test-services:
	@bash scripts/install_test_services.sh

test: $(MODEL) browser-deps test-services
	@echo "==> Validating training data"
	@$(RASA) data validate --fail-on-warnings >/tmp/kestrel-validate.log 2>&1 || (cat /tmp/kestrel-validate.log; exit 1)
	@echo "==> Test stories (rasa test core)"
	@$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/core >/tmp/kestrel-core.log 2>&1 || (tail -n 40 /tmp/kestrel-core.log; exit 1)
	@echo "==> pytest (everything but the browser)"
	@$(PY) -m pytest tests -m "not browser"
	@# Playwright's sync API leaves an event loop running in the main thread, which breaks every
	@# asyncio test after it: the browser tests get a process of their own.
	@echo "==> pytest (browser: Debian's chromium through Playwright)"
	@$(PY) -m pytest tests/browser -m browser

# The dialogue scripts alone: in-process, or against a running service with URL=...
dialogues: $(if $(URL),$(STAMP),$(MODEL))
	@$(PY) -m dialogues run tests/dialogues/ $(if $(URL),--url $(URL)) --junit results/dialogues.xml

test-fast: $(MODEL)
	@$(PY) -m pytest tests -m "not browser"

eval: $(MODEL)
	@$(PY) -m scripts.evaluate_nlu $(MODEL) 2>/dev/null
	@$(PY) -m scripts.evaluate_conversations tests/conversations/blind_*.yml

lint: $(STAMP)
	@$(RASA) data validate --fail-on-warnings >/tmp/kestrel-validate.log 2>&1 && echo "rasa data validate: clean" || (cat /tmp/kestrel-validate.log; exit 1)
	@$(VENV)/bin/ruff check actions api dialogues nlp scripts tests bench
	@$(VENV)/bin/mypy actions api dialogues nlp

# Kestrel against stock Rasa on the same model (docs/performance.md), about 4 minutes, then the first
# against the last turns of a 400-turn conversation, in memory and with Redis (about 1 minute), then how
# many people reading and typing one process holds with p95 under 1 s (about 3 minutes).
# More: make bench BENCH_ARGS="--workers 1 2" (2 workers with a private redis-server),
# PACED_ARGS="--start 10 --seconds 30 --refine 2" (as docs/performance.md, about 6 minutes); --help for the rest.
bench: $(MODEL)
	@$(PY) -m bench.compare $(BENCH_ARGS)
	@$(PY) -m bench.long_conversation
	@$(PY) -m bench.paced $(PACED_ARGS)

# Registers PUBLIC_BASE_URL/webhooks/telegram with its secret token (env: TELEGRAM_BOT_TOKEN,
# TELEGRAM_WEBHOOK_SECRET, PUBLIC_BASE_URL). See docs/channels.md.
telegram-webhook: $(STAMP)
	@$(PY) -m api.channels telegram-webhook

clean:
	rm -rf models build results .pytest_cache
