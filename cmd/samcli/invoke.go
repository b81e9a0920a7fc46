package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/local/samcli"
)

// invokeTimeout bounds one sam local invoke; the first also builds SAM's
// image on the base image.
const invokeTimeout = 3 * time.Minute

// invokeAll runs `sam local invoke` on every fixture of fixtures.All (those
// of the functions named in only, when any), each after fixtures.Reset, on a
// DynamoDB Local and table of its own, prints one line per fixture, and fails
// when any answer is not the documented one. Where no container engine can
// be had it says so in one line and succeeds.
func invokeAll(ctx context.Context, l *samcli.Local, only []string, stdout, stderr io.Writer) error {
	var todo []fixtures.Fixture
	for _, f := range fixtures.All {
		if len(only) == 0 || slices.Contains(only, f.Function) {
			todo = append(todo, f)
		}
	}
	if len(todo) == 0 {
		return fmt.Errorf("no fixture of %s in local/fixtures", strings.Join(only, ", "))
	}
	// Not the developer's DynamoDB or table: a DynamoDB Local of its own.
	port, err := freePort()
	if err != nil {
		return err
	}
	stack, stop, err := localStack(ctx, l, devstack.LocalTable, "http://127.0.0.1:"+strconv.Itoa(port), stderr)
	if errors.Is(err, samcli.ErrNoEngine) {
		fmt.Fprintf(stdout, "sam-invoke: SKIPPED: %v, so the real sam local invoke did not run\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(stderr, "sam local invoke on %s with %s, %s, functions at %s\n", l.Engine.Name, l.Engine.Image, l.Arch, l.EnvFile)

	start, failed := time.Now(), 0
	for _, f := range todo {
		if err := fixtures.Reset(ctx, stack.Store); err != nil {
			return fmt.Errorf("reset fixtures: %w", err)
		}
		t0 := time.Now()
		got, err := invoke(ctx, l, f)
		verdict := "ok"
		if err != nil {
			verdict, failed = "FAIL", failed+1
		}
		fmt.Fprintf(stdout, "%-16s %-30s %s (want %s) %s  %.1fs\n", f.Function, f.Event+":", first(got, "-"), f.Want(), verdict, time.Since(t0).Seconds())
		if err != nil {
			fmt.Fprintf(stdout, "    %s\n", strings.ReplaceAll(err.Error(), "\n", "\n    "))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if failed > 0 {
		return fmt.Errorf("sam local invoke: %d of %d fixtures did not give their documented answer", failed, len(todo))
	}
	fmt.Fprintf(stdout, "sam-invoke: %d fixtures of %d functions gave their documented answer through sam local invoke (%s, %s) in %.0fs\n",
		len(todo), countFunctions(todo), l.Engine.Name, l.Arch, time.Since(start).Seconds())
	return nil
}

// invoke runs sam local invoke of f's function on f's event and checks the
// answer the function returned (sam prints it on stdout, logs on stderr).
func invoke(ctx context.Context, l *samcli.Local, f fixtures.Fixture) (got string, err error) {
	ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	cmd, err := l.Command(ctx, "invoke", f.Function, "--event", filepath.Join("events", f.Event))
	if err != nil {
		return "", err
	}
	var out, log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	runErr := cmd.Run()
	got, err = f.Check(lastLine(out.Bytes()))
	if runErr == nil && err == nil {
		return got, nil
	}
	var problems []string
	if err != nil {
		problems = append(problems, err.Error())
	}
	if runErr != nil {
		problems = append(problems, "sam local invoke: "+runErr.Error())
	}
	return got, fmt.Errorf("%s\nthe end of sam's log:\n%s", strings.Join(problems, "\n"), tail(log.String(), 12))
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func countFunctions(fs []fixtures.Fixture) int {
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Function] = true
	}
	return len(seen)
}
