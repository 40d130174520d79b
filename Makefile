# Every target depends on `setup`, so `make test` on a fresh clone does its own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
REPORTS := reports
PYTEST_ARGS ?=
# An offline provider mirror (filesystem_mirror layout); empty: the harness looks in
# terraform's usual mirror directories, else terraform downloads providers as usual.
TF_PLUGIN_MIRROR ?=
export TF_PLUGIN_MIRROR
# terraform warns on every call when TF_CLI_CONFIG_FILE names a file that does not exist.
ifneq ($(TF_CLI_CONFIG_FILE),)
ifeq ($(wildcard $(TF_CLI_CONFIG_FILE)),)
unexport TF_CLI_CONFIG_FILE
endif
endif
PY_PATHS := harness tests conftest.py
IS_ROOT := $(shell [ "$$(id -u)" -eq 0 ] && echo yes)

# Suites `make test` runs; each suite's block below adds itself.
TEST_SUITES := test-unit

# run_suite(paths, marker, report-name): pytest with JUnit XML; no test collected is a failure.
define run_suite
	@mkdir -p $(REPORTS)
	@$(BIN)/pytest $(1) -m "$(2)" --junitxml=$(REPORTS)/$(3).xml $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: no test collected in $(1) (-m $(2))" >&2; exit 1; fi; \
	exit $$rc
endef

.PHONY: help
help: ## List the targets with one line each (colour only on a terminal)
	@if [ -t 1 ]; then on=$$'\033[36m'; off=$$'\033[0m'; else on=; off=; fi; \
	awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %s%-18s%s %s\n", on, $$1, off, $$2}' $(MAKEFILE_LIST)

# --- setup ---
.PHONY: setup
setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed ## Create the virtualenvs and system packages (again only when dependency files change)

$(VENV)/.installed: requirements/main.lock pyproject.toml .ci/apt-packages.txt
	@bash .ci/install-system-packages
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements/main.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.lock
	@[ -x $(CHECKOV_VENV)/bin/python ] || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q -r requirements/checkov.lock
	@touch $@

.PHONY: lock
lock: ## Re-resolve pyproject.toml and requirements/checkov.in into the lock files
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install -q -e '.[lint]'
	{ echo "# Exact pins for .venv: regenerate with 'make lock' after changing pyproject.toml."; \
	  .venv-lock/bin/pip freeze --exclude-editable; } > requirements/main.lock
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install -q -r requirements/checkov.in
	{ echo "# Exact pins for .venv-checkov: regenerate with 'make lock' after changing requirements/checkov.in."; \
	  .venv-lock/bin/pip freeze; } > requirements/checkov.lock
	rm -rf .venv-lock

# --- tests ---
.PHONY: test
test: setup ## Run lint and every suite (image suite only as root), then print the report
	@rm -f $(REPORTS)/*.xml; failed=0; for target in lint $(TEST_SUITES); do \
	  echo "==> make $$target"; $(MAKE) --no-print-directory $$target || failed="$$failed $$target"; \
	done; \
	$(MAKE) --no-print-directory report; \
	if [ "$$failed" != 0 ]; then echo "failed:$${failed#0}" >&2; exit 1; fi

.PHONY: report
report: setup ## Summarise reports/: suites, passed/failed/skipped, policy findings, slowest tests
	@$(BIN)/python -m harness report $(REPORTS)

# The unit tests are independent: pytest-xdist spreads them over the cores (UNIT_WORKERS=0: serial).
UNIT_WORKERS ?= auto

.PHONY: test-unit
test-unit: setup ## Unit suite: parse HCL, structural rules, terraform fmt/validate (no cloud, no root)
	$(call run_suite,tests/unit -n $(UNIT_WORKERS),unit,unit)

# --- quality ---
.PHONY: lint
lint: setup ## Linters (.ci/lint): ruff, mypy, terraform fmt, yamllint, ansible-lint, shellcheck, detect-secrets
	@BIN=$(BIN) bash .ci/lint

.PHONY: fmt
fmt: setup ## Format Python (ruff) and Terraform (terraform fmt) in place
	$(BIN)/ruff format $(PY_PATHS)
	$(BIN)/ruff check --fix-only $(PY_PATHS)
	terraform fmt -recursive terraform

.PHONY: validate
validate: setup ## terraform fmt -check, init (no backend) and validate of every root and module
	$(BIN)/python -m harness terraform validate

.PHONY: tf-test
tf-test: setup ## terraform test (mocked provider, no account) of every root and module with tests/, two at a time
	$(BIN)/pytest tests/unit/test_terraform_tests.py $(PYTEST_ARGS)

.PHONY: clean
clean: ## Remove virtualenvs, caches and reports
	rm -rf $(VENV) $(CHECKOV_VENV) .cache $(REPORTS) .pytest_cache .mypy_cache .ruff_cache .tox

# --- policy ---
TEST_SUITES += test-policy

.PHONY: policy
policy: setup ## Print the policy report of the whole template (terraform/ and packer/)
	$(BIN)/python -m harness policy terraform packer

.PHONY: test-policy
test-policy: setup ## Policy suite: each catalogue policy fails its bad fixture; the template scans clean under --strict
	$(call run_suite,tests/policy,policy and not slow,policy)
	@$(BIN)/python -m harness policy terraform packer --strict \
	  --output $(REPORTS)/policy.json --output $(REPORTS)/policy.sarif

# --- mutation testing ---
JOBS ?=

.PHONY: mutate
mutate: setup ## Mutation testing: each catalogued regression must fail its unit/policy tests (JOBS=)
	$(BIN)/python -m harness mutate $(if $(JOBS),--jobs $(JOBS))

# --- account and blue/green ---
TEST_SUITES += test-integration
# make bluegreen ACCOUNT=aws HARNESS_AWS_ACCOUNT_ID=123456789012 [RUN_ID=...] [KEEP=1]
ACCOUNT ?= moto
RUN_ID ?=
KEEP ?=
OLDER_THAN ?= 6h
RUN_FLAGS = --account=$(ACCOUNT) $(if $(RUN_ID),--run-id=$(RUN_ID))

.PHONY: bluegreen
bluegreen: setup ## The main job: a whole blue/green release on an ephemeral account (ACCOUNT=moto|aws, RUN_ID=, KEEP=1)
	$(BIN)/python -m harness bluegreen rehearse $(RUN_FLAGS) $(if $(KEEP),--keep)

# Integration tests run in account groups (harness/groups.py), each whole on one pytest-xdist
# worker with its own moto server and roots. The groups spend most of their time in the
# provider's fixed waits, so the default is two workers per core (measured on 2 cores: 4
# workers 20 min, the serial suite 29.5 min); WORKERS=auto is one per core.
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
GROUP ?=
INTEGRATION_ARGS = $(if $(GROUP),--harness-group=$(GROUP),-n $(WORKERS) --dist loadgroup)

.PHONY: test-integration
test-integration: setup ## Integration suite: every environment, blue/green and teardown on the ephemeral account, groups in parallel (WORKERS=, GROUP= one group)
	$(call run_suite,tests/integration $(INTEGRATION_ARGS),integration and not aws,integration$(if $(GROUP),-$(GROUP)))

.PHONY: integration-groups
integration-groups: setup ## Print the integration suite's account groups as one JSON line (a CI shard each)
	@mkdir -p $(REPORTS)
	@$(BIN)/pytest tests/integration -m "integration and not aws" --collect-only -qq -p no:cacheprovider \
	  --harness-list-groups $(REPORTS)/.integration-groups.json >&2
	@cat $(REPORTS)/.integration-groups.json

# The scheduled real-account run (.github/workflows/integration.yml): Packer builds the AMIs
# in a long-lived build project of the account, the suite publishes copies tagged with its run.
BUILD_PROJECT ?= ci
AMI_VERSION ?= v1.0.0

.PHONY: images-aws
images-aws: setup ## Build the release and the AMIs on a real account with Packer (BUILD_PROJECT=, AMI_VERSION=)
	$(BIN)/python -m harness image release --var project=$(BUILD_PROJECT) --var version=$(AMI_VERSION)
	$(BIN)/python -m harness image packer --var project=$(BUILD_PROJECT) \
	  --var environment=production --var version=$(AMI_VERSION) \
	  --var build_instance_profile=$(BUILD_PROJECT)-packer --output $(REPORTS)/amis.json

.PHONY: test-aws
test-aws: export HARNESS_SOURCE_AMIS ?= $(abspath $(REPORTS)/amis.json)
test-aws: setup ## Integration suite on a real account (HARNESS_AWS_ACCOUNT_ID; AMIs from images-aws)
	$(call run_suite,tests/integration --harness-account=aws $(if $(RUN_ID),--harness-run-id=$(RUN_ID)),integration or aws,aws)

.PHONY: account-up
account-up: setup ## Start (moto) or open (aws) an account, seed it, print its environment
	$(BIN)/python -m harness account up $(RUN_FLAGS)

.PHONY: account-down
account-down: setup ## Delete what RUN_ID tagged and stop its moto server
	$(BIN)/python -m harness account down --run-id=$(RUN_ID)

.PHONY: publish
publish: setup ## Publish an AMI version to a run's account (RUN_ID=, VERSION=v2.0.0; UNHEALTHY=1 on moto)
	$(BIN)/python -m harness account publish --run-id=$(RUN_ID) --version=$(VERSION) $(if $(UNHEALTHY),--unhealthy)

.PHONY: sweep
sweep: setup ## Delete what runs older than OLDER_THAN (default 6h) leaked, found by the harness:run-id tag
	$(BIN)/python -m harness sweep $(RUN_FLAGS) --older-than=$(OLDER_THAN)

# --- images and the sample app ---
# The image suite needs root (chroot, mounts, debootstrap): `make test` runs it only as root.
ifeq ($(IS_ROOT),yes)
TEST_SUITES += test-image
endif
TEST_SUITES += test-app
IMAGE ?=
VERSION ?=
VERSION_FLAG = $(if $(VERSION),--var version=$(VERSION))

.PHONY: image
image: setup ## Build machine images locally, cached per layer (root; IMAGE=api, default all; VERSION=)
	$(BIN)/python -m harness image build $(IMAGE) $(VERSION_FLAG)

.PHONY: test-image
test-image: setup ## Image suite (root): build or reuse the layers, testinfra over chroot; a skipped test fails
	$(call run_suite,tests/integration/image,image,image)
	@grep -q 'skipped="0"' $(REPORTS)/image.xml || \
	  { echo "error: image tests were skipped (reasons above); the suite must run them all" >&2; exit 1; }

.PHONY: test-app
test-app: setup ## ExUnit tests of the sample API (app/), with the host's Elixir
	@mkdir -p $(REPORTS)
	cd app && HEX_OFFLINE=1 MIX_ENV=test EXUNIT_JUNIT=$(abspath $(REPORTS))/app.xml \
	  elixir -r ../.ci/exunit_junit.exs -S mix test --formatter ExUnit.CLIFormatter --formatter ExUnitJUnit

.PHONY: app-release
app-release: setup ## Build the API release in the elixir image, upload it to s3://<project>-release (VERSION=)
	$(BIN)/python -m harness image release $(VERSION_FLAG)
