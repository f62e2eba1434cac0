# vts: every set-up step lives here. On a fresh clone `make demo` and `make test` each
# install what they need (.venv from pyproject.toml, JVM jars from jvm/pom.xml).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export VTS_HOME ?= $(CURDIR)/vts-data
JARS := $(VTS_HOME)/jars
MVN := mvn -q -B -f jvm/pom.xml
# sam and cfn-lint need a region even offline; no credentials are read.
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: help install jars rehearsal-glue rehearsal-lambda demo test test-unit check-template lint format bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing vts and its dev extras into $(VENV)" >&2
	@$(BIN)/pip install -q --upgrade pip setuptools wheel >&2
	@$(BIN)/pip install -q -e '.[dev]' >&2
	@touch $@

install: $(BIN)/.installed  ## create .venv and install vts with every extra

$(JARS)/kafka/.fetched: jvm/pom.xml
	@echo "fetching Kafka broker jars (Maven Central, cached in ~/.m2) -> $(JARS)/kafka" >&2
	@rm -rf $(JARS)/kafka && $(MVN) -P kafka dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(JARS)/kafka
	@touch $@

$(JARS)/spark/.fetched: jvm/pom.xml
	@echo "fetching the Spark Kafka connector jars -> $(JARS)/spark" >&2
	@rm -rf $(JARS)/spark && $(MVN) -P spark dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(JARS)/spark
	@touch $@

$(JARS)/s3a/.fetched: jvm/pom.xml
	@echo "fetching hadoop-aws and the AWS SDK bundle (s3a://) -> $(JARS)/s3a" >&2
	@rm -rf $(JARS)/s3a && $(MVN) -P s3a dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(JARS)/s3a
	@touch $@

$(JARS)/glue/.fetched: jvm/pom.xml
	@echo "fetching the Glue job's --extra-jars (MSK IAM login module) -> $(JARS)/glue" >&2
	@rm -rf $(JARS)/glue && $(MVN) -P glue dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(JARS)/glue
	@touch $@

jars: $(JARS)/kafka/.fetched $(JARS)/spark/.fetched $(JARS)/s3a/.fetched $(JARS)/glue/.fetched  ## fetch the pinned JVM jars into $(VTS_HOME)/jars

# The Glue 5.1 rehearsal's virtualenv: exactly Glue 5.1's Python library set (no vts, no extras).
GLUE_VENV := $(VTS_HOME)/rehearsal/glue-5.1
$(GLUE_VENV)/.installed: rehearsal/glue-5.1-requirements.txt
	@echo "building the Glue 5.1 library set -> $(GLUE_VENV)" >&2
	@rm -rf $(GLUE_VENV) && $(PYTHON) -m venv --without-pip $(GLUE_VENV)
	@$(BIN)/pip --python $(GLUE_VENV)/bin/python install -q --no-deps -r rehearsal/glue-5.1-requirements.txt >&2
	@touch $@

rehearsal-glue: install $(GLUE_VENV)/.installed  ## the Glue 5.1 rehearsal's virtualenv (cached under $(VTS_HOME))

# The Lambda rehearsal's virtualenv: python3.11 with only the runtime's boto3/botocore (the
# functions and their layers come from `sam build`'s output at test time).
LAMBDA_VENV := $(VTS_HOME)/rehearsal/lambda-python3.11
$(LAMBDA_VENV)/.installed: rehearsal/lambda-python3.11-requirements.txt
	@echo "building the Lambda python3.11 runtime's SDK set -> $(LAMBDA_VENV)" >&2
	@rm -rf $(LAMBDA_VENV) && $(PYTHON) -m venv --without-pip $(LAMBDA_VENV)
	@$(BIN)/pip --python $(LAMBDA_VENV)/bin/python install -q --no-deps -r rehearsal/lambda-python3.11-requirements.txt >&2
	@touch $@

rehearsal-lambda: install $(LAMBDA_VENV)/.installed  ## the Lambda rehearsal's python3.11 virtualenv (cached under $(VTS_HOME))

demo: install jars  ## run the whole pipeline locally: Kafka, simulator, Glue job, crawler, queries
	$(BIN)/vts demo

check-template: install jars  ## offline checks of template.yaml: sam validate --lint, cfn-lint, checkov, sam build
	$(BIN)/sam validate --lint --template template.yaml
	$(BIN)/cfn-lint template.yaml
	$(BIN)/checkov --quiet --compact --skip-download --framework cloudformation --file template.yaml
	@# No --cached: SAM keys its cache on layers/code/ alone, so a cached build would ship a
	@# stale vts/. The venv's python3.11 (with pip) builds the Python layer natively.
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build --template template.yaml --build-dir .aws-sam/build

test: install jars check-template rehearsal-glue rehearsal-lambda  ## install everything, start the services the tests need, run the whole suite
	$(BIN)/pytest -m 'not e2e' -p no:cacheprovider
	$(BIN)/pytest -m e2e -p no:cacheprovider

test-unit: install  ## fast tests only (no services)
	$(BIN)/pytest -m 'not integration and not e2e'

lint: install  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install jars  ## benchmarks: one JSON document on stdout (progress on stderr)
	@$(BIN)/python -m bench

clean:  ## remove local runtime state (keeps .venv and the jar cache)
	-$(BIN)/vts local down 2>/dev/null
	rm -rf $(VTS_HOME)/kafka $(VTS_HOME)/lake $(VTS_HOME)/checkpoints $(VTS_HOME)/metastore $(VTS_HOME)/logs .aws-sam
