# The two commands of the README. Everything a newcomer needs is installed here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test check install install-dev prometheus kafka-jars

demo: install  ## create the venv, install, run the demo on the embedded broker
	$(BIN)/streamproc demo

test: install-dev prometheus kafka-jars check  ## install what the tests need, run every check and test
	$(BIN)/pytest

check:  ## static checks, in the order STYLE.md gives
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,encoder]'

# Debian's prometheus package gives the real server and promtool for the tests.
prometheus:
	@if command -v promtool >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	else echo "note: promtool missing and apt-get unusable: Prometheus tests will skip (not under CI=true)"; fi

# Apache Kafka's broker jars from Maven Central, cached in .cache/ between runs (Java 17 + Maven).
kafka-jars: install-dev
	@if ! { command -v java && command -v mvn; } >/dev/null 2>&1 \
		&& command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven >/dev/null; \
	fi
	@if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then \
		$(BIN)/python -c "from agents.adapters.broker import ensure_kafka_jars; print('kafka jars:', ensure_kafka_jars())"; \
	else echo "note: java or mvn missing: Apache Kafka tests will skip (not under CI=true)"; fi
