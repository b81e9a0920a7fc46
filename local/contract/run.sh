#!/usr/bin/env bash
# run.sh: schemathesis holds a local API to shared/api/openapi.yaml (make
# contract, make contract-check). The API runs on a spare port with its own
# DynamoDB Local and table; make invoke writes the fixtures (the reference's
# example profile and user), so the examples of the document's path
# parameters reach a real profile.
#
#   run.sh [schemathesis options...]
#
# Environment (the Makefile sets them):
#   SCHEMATHESIS        the schemathesis executable
#   CONTRACT_DIR        where the API's build, its log, the configuration and the report go
#   CONTRACT_EXAMPLES   test cases per operation
#   CONTRACT_CHECKS     schemathesis --checks
#   CONTRACT_SEED       the seed of every phase, stateful included: a number
#                       (make contract-check: the same cases every run), or
#                       "random" (make contract: a new one, printed, each run)
#   GO, MAKE            the go and make to use
#
# A failure prints its seed and the command that replays it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

: "${SCHEMATHESIS:?}" "${CONTRACT_DIR:?}" "${CONTRACT_EXAMPLES:?}" "${CONTRACT_CHECKS:?}"
GO=${GO:-go} MAKE=${MAKE:-make} CONTRACT_SEED=${CONTRACT_SEED:-random}

command -v "$SCHEMATHESIS" >/dev/null || { echo "contract: no schemathesis at $SCHEMATHESIS: run make schemathesis" >&2; exit 2; }
st=$(realpath "$(command -v "$SCHEMATHESIS")")

seed=$CONTRACT_SEED
if [ "$seed" = random ]; then
  seed=$(python3 -c 'import secrets; print(secrets.randbits(31))')
fi
case $seed in '' | *[!0-9]*) echo "contract: CONTRACT_SEED must be a number or \"random\", not \"$seed\"" >&2; exit 2 ;; esac

rm -rf "$CONTRACT_DIR/report" && mkdir -p "$CONTRACT_DIR"
"$GO" build -o "$CONTRACT_DIR/devserver" ./cmd/devserver

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
DYNAMODB_ENDPOINT=http://127.0.0.1:$(free_port)
TABLE_NAME=contract-$$
export PORT DYNAMODB_ENDPOINT TABLE_NAME
base=http://127.0.0.1:$PORT
log=$CONTRACT_DIR/devserver.log

"$CONTRACT_DIR/devserver" 2>"$log" &
api=$!
trap 'kill $api 2>/dev/null; wait $api 2>/dev/null || true' EXIT
# The API answers once its DynamoDB Local (a JVM) has started: seconds on a
# loaded 2-core machine. No budget here: if the API exits, so does the wait.
until curl -sf -o /dev/null "$base/openapi.yaml"; do
  kill -0 $api 2>/dev/null || { echo "contract: the local API did not start:"; cat "$log"; exit 1; } >&2
  sleep 0.2
done

CONTRACT_ADMIN_TOKEN=$("$MAKE" -s --no-print-directory token)
CONTRACT_USER_TOKEN=$("$MAKE" -s --no-print-directory token ROLE=user SUB=9f4b3bae-dc30-11ea-ab70-2743d9be3dd5 SCOPES=)
CONTRACT_API_KEY=$("$MAKE" -s --no-print-directory apikey NAME=contract 2>>"$log")
export CONTRACT_ADMIN_TOKEN CONTRACT_USER_TOKEN CONTRACT_API_KEY
"$MAKE" -s --no-print-directory invoke FUNCTION=GetProfile EVENT=events/get-profile.json >/dev/null 2>>"$log"

cat >"$CONTRACT_DIR/schemathesis.toml" <<'TOML'
# Each security scheme of openapi.yaml gets its own credential.
[auth.openapi.adminAuth]
bearer = "${CONTRACT_ADMIN_TOKEN}"
[auth.openapi.userAuth]
bearer = "${CONTRACT_USER_TOKEN}"
[auth.openapi.apiKeyAuth]
api_key = "${CONTRACT_API_KEY}"
TOML

echo "contract: schemathesis $("$st" --version | sed 's/.*version //') on $base/openapi.yaml, $CONTRACT_EXAMPLES examples per operation, seed $seed (API log: $log)"
# --seed fixes every phase's draws, the stateful phase's included; with no
# example database, a run does not replay what an earlier run found.
rc=0
(cd "$CONTRACT_DIR" && "$st" --config-file schemathesis.toml run "$base/openapi.yaml" --url "$base" \
  --checks "$CONTRACT_CHECKS" --max-examples "$CONTRACT_EXAMPLES" --seed "$seed" --generation-database none \
  --report junit --report-dir report --no-color "$@") || rc=$?
if [ $rc -ne 0 ]; then
  {
    echo "contract: FAILED with seed $seed. Replay it with:"
    echo "  make contract CONTRACT_SEED=$seed${*:+ CONTRACT_ARGS='$*'}"
  } >&2
fi
exit $rc
