package samcli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/testenv"
)

// TestCommittedEnvFile holds local/samcli/env.json, the file for running sam
// local by hand that the functions' refusal message names, to what make
// sam-api writes for make run's DynamoDB Local and table.
func TestCommittedEnvFile(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join(testenv.Root(t), "local", "samcli", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := ContainerEndpoint(devstack.LocalEndpoint, "host.containers.internal")
	if err != nil {
		t.Fatal(err)
	}
	if want := EnvFile(devstack.LocalTable, endpoint); string(committed) != string(want) {
		t.Errorf("local/samcli/env.json is\n%s\nwant\n%s", committed, want)
	}
}

func TestContainerEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8000":      "http://host.containers.internal:8000",
		"http://localhost:45123":     "http://host.containers.internal:45123",
		"http://[::1]:8000":          "http://host.containers.internal:8000",
		"http://192.168.1.20:8000":   "http://192.168.1.20:8000",
		"https://dynamodb.local:443": "https://dynamodb.local:443",
	} {
		if got, err := ContainerEndpoint(in, "host.containers.internal"); got != want || err != nil {
			t.Errorf("ContainerEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestCommand: sam runs with the flags every local run needs, and without
// the host's AWS credentials, profile or region, or any variable
// template.yaml gives the functions.
func TestCommand(t *testing.T) {
	l := &Local{SAM: "sam", Root: testenv.Root(t), BuildDir: "/b", Arch: "x86_64", EnvFile: "/e.json",
		Engine: &Engine{Name: "docker", Image: "img:1", AddHost: "host.containers.internal:host-gateway"},
		Environ: []string{"PATH=/bin", "HOME=/root", "AWS_ACCESS_KEY_ID=AKIAHOST", "AWS_SECRET_ACCESS_KEY=s",
			"AWS_SESSION_TOKEN=t", "AWS_PROFILE=prod", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1",
			"TABLE_NAME=other", "DYNAMODB_ENDPOINT=http://127.0.0.1:8000", "LOCAL_MODE=1", "LIST_SHARDS=4", "DOCKER_HOST=unix:///d.sock"}}
	cmd, err := l.Command(context.Background(), "invoke", "GetProfile", "--event", "events/get-profile.json")
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(cmd.Args, " ")
	for _, want := range []string{"sam local invoke --template-file /b/template.yaml --env-vars /e.json",
		"--parameter-overrides Architecture=x86_64", "--invoke-image img:1 --skip-pull-image", "--region us-east-1",
		"--add-host host.containers.internal:host-gateway", "GetProfile --event events/get-profile.json"} {
		if !strings.Contains(args, want) {
			t.Errorf("%s\nlacks %q", args, want)
		}
	}
	want := []string{"PATH=/bin", "HOME=/root", "DOCKER_HOST=unix:///d.sock", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_DEFAULT_REGION=us-east-1", "SAM_CLI_TELEMETRY=0"}
	if !slices.Equal(cmd.Env, want) {
		t.Errorf("environment\n%q\nwant\n%q", cmd.Env, want)
	}
}
