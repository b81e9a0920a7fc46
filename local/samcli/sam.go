// Package samcli runs the real SAM CLI's `sam local` on this project (make
// sam-invoke, make sam-api): on a container engine (engine.sh: Docker where
// its daemon answers, otherwise podman from Debian's packages), with a Lambda
// base image (base-image.sh: the official one, or a stand-in built here when
// the registry cannot be reached), an env file that puts every function in
// local mode on DynamoDB Local, and an environment without the host's AWS
// credentials.
package samcli

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"runtime"
)

// Region is the region of every sam local run. DynamoDB Local keeps a table
// per region (and access key), and the local tools use us-east-1 (local
// mode's default), so the functions in their containers must too.
const Region = "us-east-1"

// HostArchitecture is this machine's architecture as template.yaml's
// Architecture parameter names it: the functions run natively, not emulated.
func HostArchitecture() (string, error) {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64", nil
	case "arm64":
		return "arm64", nil
	}
	return "", fmt.Errorf("no Lambda architecture for %s: sam local runs only on x86_64 and arm64 machines", runtime.GOARCH)
}

// EnvFile is the file for `sam local --env-vars`: every function in local
// mode, on table at the DynamoDB endpoint as the containers reach it. Without
// it SAM gives the functions the template's values (TABLE_NAME=Table, no
// endpoint), and they would call AWS. PublishProfileEvents appends its
// events to a file in the container's /tmp, the one writable directory of a
// Lambda (the default, .local/ under the code, is read-only there).
func EnvFile(table, endpoint string) []byte {
	vars := map[string]string{"LOCAL_MODE": "1", "TABLE_NAME": table, "DYNAMODB_ENDPOINT": endpoint,
		"EVENTS_FILE": "/tmp/profile-events.jsonl"}
	out, err := json.MarshalIndent(map[string]any{"Parameters": vars}, "", "  ")
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return append(out, '\n')
}

// ContainerEndpoint is a DynamoDB endpoint of this machine as a container
// reaches it: a loopback host becomes hostAlias, the engine's name for the
// machine (127.0.0.1 in a container is the container itself). DynamoDB
// Local must therefore listen on all interfaces, as it does by default.
func ContainerEndpoint(endpoint, hostAlias string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("DYNAMODB_ENDPOINT %q: %w", endpoint, err)
	}
	switch h := u.Hostname(); {
	case h == "localhost":
	case net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback():
	default:
		return endpoint, nil
	}
	u.Host = net.JoinHostPort(hostAlias, u.Port())
	return u.String(), nil
}
