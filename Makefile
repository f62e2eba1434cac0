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

.PHONY: help install jars web build rehearsal-glue rehearsal-lambda chromium redis valgrind demo test test-unit check-template lint format bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing vts and its dev extras into $(VENV)" >&2
	@$(BIN)/pip install -q --upgrade pip setuptools wheel >&2
	@$(BIN)/pip install -q -e '.[dev]' >&2
	@touch $@

install: $(BIN)/.installed  ## create .venv and install vts with every extra

# One folder per jvm/pom.xml profile: kafka (the broker), spark (the Kafka connector),
# s3a (hadoop-aws and its AWS SDK bundle), glue (the Glue job's extra jars: MSK IAM).
$(JARS)/%/.fetched: jvm/pom.xml
	@echo "fetching the $* jars (Maven Central, cached in ~/.m2) -> $(JARS)/$*" >&2
	@rm -rf $(JARS)/$* && $(MVN) -P $* dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(JARS)/$*
	@touch $@

# vts's own Spark plugin (jvm/src), compiled against the Spark and Log4j jars pyspark
# bundles: Java 17 bytecode, as AWS Glue 5.1 runs. Shipped with the Glue job's extra jars.
PLUGIN_SOURCES := $(shell find jvm/src -name '*.java')
$(JARS)/vts/vts-spark.jar: $(PLUGIN_SOURCES) $(BIN)/.installed
	@echo "compiling vts's Spark plugin -> $@" >&2
	@rm -rf $(JARS)/vts && mkdir -p $(JARS)/vts/classes
	@javac -nowarn --release 17 -d $(JARS)/vts/classes \
		-cp "$$($(BIN)/python -c 'import pyspark, pathlib; print(pathlib.Path(pyspark.__file__).parent / "jars")')/*" \
		$(PLUGIN_SOURCES)
	@jar --create --file $@ -C $(JARS)/vts/classes . && rm -rf $(JARS)/vts/classes

# The local Spark driver's class-data sharing archive (vts/spark/class_archive.py, built by vts/stream/class_archive.py): parsed
# and verified classes for a shorter JVM start. Built once per classpath (it checks).
jars: $(JARS)/kafka/.fetched $(JARS)/spark/.fetched $(JARS)/s3a/.fetched $(JARS)/glue/.fetched $(JARS)/vts/vts-spark.jar  ## fetch the pinned JVM jars into $(VTS_HOME)/jars, build vts's own and the driver's class archive
	@$(BIN)/python -m vts.stream.class_archive >&2

# The live map's browser libraries (Leaflet), exactly as vts/live/web/package-lock.json pins
# them: `npm ci` in $(VTS_HOME)/web (VTS_WEB_DIR moves it), never committed, never fetched at
# test time. `vts live serve` serves them from there.
WEB := $(VTS_HOME)/web
$(WEB)/.installed: vts/live/web/package.json vts/live/web/package-lock.json
	@echo "installing the live map's libraries (npm ci) -> $(WEB)" >&2
	@rm -rf $(WEB) && mkdir -p $(WEB) && cp $^ $(WEB)/
	@cd $(WEB) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
	@touch $@

web: $(WEB)/.installed  ## the live map's Leaflet, pinned (npm ci) into $(VTS_HOME)/web

# The rehearsals' virtualenvs, each exactly a pinned library set (rehearsal/<name>-requirements.txt):
# glue-5.1 (Glue 5.1's preinstalled libraries) and lambda-python3.11 (the runtime's SDK).
# No vts and no extras: the code under test comes from `sam build`'s output at test time.
REHEARSALS := $(VTS_HOME)/rehearsal
$(REHEARSALS)/%/.installed: rehearsal/%-requirements.txt
	@echo "building the $* library set -> $(REHEARSALS)/$*" >&2
	@rm -rf $(REHEARSALS)/$* && $(PYTHON) -m venv --without-pip $(REHEARSALS)/$*
	@$(BIN)/pip --python $(REHEARSALS)/$*/bin/python install -q --no-deps -r $< >&2
	@touch $@

rehearsal-glue: install $(REHEARSALS)/glue-5.1/.installed  ## the Glue 5.1 rehearsal's virtualenv (cached under $(VTS_HOME))

rehearsal-lambda: install $(REHEARSALS)/lambda-python3.11/.installed  ## the Lambda rehearsal's python3.11 virtualenv (cached under $(VTS_HOME))

demo: install jars web chromium redis  ## run the whole pipeline locally: Kafka, simulator, Glue job, crawler, queries, live map
	$(BIN)/vts demo

# What `sam deploy` ships: .aws-sam/build (each function, the dependency layer, the code layer
# with vts, the Glue scripts, their jars and wheels, the reference tables). The rehearsals
# and tests/template/test_sam_build.py read it; `make test` builds it first.
# No --cached: SAM keys its cache on layers/code/ alone, so a cached build would ship a
# stale vts/. The venv's python3.11 (with pip) builds the Python layer natively.
# template.yaml's Fn::ForEach loops written out as CloudFormation's AWS::LanguageExtensions
# does (vts/aws/expand.py): SAM CLI cannot build the loops without parameter values,
# and checkov does not scan what they generate, so both read this.
EXPANDED := .aws-sam/expanded/template.json

$(EXPANDED): template.yaml vts/aws/expand.py $(BIN)/.installed
	$(BIN)/python -m vts.aws.expand template.yaml $(EXPANDED)

build: install jars $(EXPANDED)  ## sam build: what `sam deploy` ships, in .aws-sam/build
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build --template $(EXPANDED) --base-dir . --build-dir .aws-sam/build

check-template: install build  ## offline checks of template.yaml: sam validate --lint, cfn-lint, checkov (of every resource the loops make too)
	$(BIN)/sam validate --lint --template template.yaml
	$(BIN)/cfn-lint template.yaml
	$(BIN)/checkov --quiet --compact --skip-download --framework cloudformation --file $(EXPANDED)

# Debian's chromium: the HTML map's screenshot test opens the map in it (headless), and
# Playwright drives it for the live map's tests and benchmark (it downloads no browser).
# Installed only when missing (needs root and Debian's package index).
chromium:  ## Debian's chromium for the maps' browser tests (apt-get, only when missing)
	@command -v chromium >/dev/null || { echo "installing Debian's chromium" >&2; \
		apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2; }

# The live store's local server: Valkey when installed, else Debian's redis-server 7.0 (BSD),
# installed only when neither is on PATH (needs root and Debian's package index).
redis:  ## a Redis-protocol server for the live store (apt-get redis-server, only when missing)
	@command -v valkey-server >/dev/null || command -v redis-server >/dev/null || { \
		echo "installing Debian's redis-server" >&2; apt-get update -q >&2 && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2; }

# valgrind's callgrind counts the live bench's instructions (bench/callgrind.py): counts that
# compare across runs, where this machine's seconds do not.
valgrind:  ## Debian's valgrind for the benchmarks' instruction counts (apt-get, only when missing)
	@command -v valgrind >/dev/null || { echo "installing Debian's valgrind" >&2; \
		apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends valgrind >&2; }

test: install jars web build check-template rehearsal-glue rehearsal-lambda chromium redis valgrind  ## install everything, start the services the tests need, run the whole suite
	$(BIN)/pytest -m 'not e2e' -p no:cacheprovider --durations=15
	$(BIN)/pytest -m e2e -p no:cacheprovider --durations=5

test-unit: install  ## fast tests only (no services)
	$(BIN)/pytest -m 'not integration and not e2e'

lint: install  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install jars web chromium redis valgrind  ## benchmarks: one JSON document on stdout (progress on stderr)
	@$(BIN)/python -m bench

clean:  ## remove local runtime state (keeps .venv and the jar cache)
	-$(BIN)/vts local down 2>/dev/null
	rm -rf $(VTS_HOME)/kafka $(VTS_HOME)/redis $(VTS_HOME)/lake $(VTS_HOME)/checkpoints $(VTS_HOME)/metastore $(VTS_HOME)/logs .aws-sam
