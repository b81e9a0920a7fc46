// Command withddb runs a command beside one DynamoDB Local (make go-test:
// go test ./...): it starts DynamoDB Local, unless one answers at
// $DYNAMODB_ENDPOINT, runs the command with DYNAMODB_ENDPOINT set to it,
// and stops it. Every test package then shares one warm JVM instead of
// starting its own (seconds of CPU each on a 2-core machine); each test
// still has a table of its own.
//
//	go run ./cmd/withddb -- go test ./...
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/profiles-service/profiles/local/ddblocal"
	"github.com/profiles-service/profiles/local/samtemplate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "withddb:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string) (int, error) {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return 0, errors.New("usage: withddb -- command [args...]")
	}
	if e := os.Getenv("DYNAMODB_ENDPOINT"); e == "" || !ddblocal.Reachable(e) {
		tpl, err := samtemplate.Find(".")
		if err != nil {
			return 0, err
		}
		start := time.Now()
		p, err := ddblocal.Start(ctx, filepath.Dir(tpl), 0, ddblocal.LongRunJVMFlags)
		if err != nil {
			return 0, err
		}
		defer p.Stop()
		fmt.Fprintf(os.Stderr, "withddb: DynamoDB Local at %s (started in %v) for: %s\n", p.Endpoint,
			time.Since(start).Round(100*time.Millisecond), strings.Join(args, " "))
		if err := os.Setenv("DYNAMODB_ENDPOINT", p.Endpoint); err != nil {
			return 0, err
		}
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}
