// Command invoke runs one function's Lambda handler with an event fixture
// against the local table and prints the Lambda response (make invoke): what
// `sam local invoke -e` does, without Docker.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/logging"
)

func main() {
	slog.SetDefault(logging.New(os.Stderr, slog.LevelInfo))
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	function := fs.String("function", "", "the function's logical id in template.yaml, e.g. GetProfile")
	eventPath := fs.String("event", "", "the event fixture, e.g. events/get-profile.json (- for stdin)")
	reset := fs.Bool("reset-fixtures", true, "rewrite the fixture profile 6006dda272f002519c3eb505 first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *function == "" || *eventPath == "" {
		return fmt.Errorf("usage: invoke -function GetProfile -event events/get-profile.json")
	}
	event, err := readEvent(*eventPath)
	if err != nil {
		return err
	}
	cfg, err := config.FromEnv(devstack.LocalEnv(getenv))
	if err != nil {
		return err
	}
	stack, err := devstack.Start(ctx, ".", cfg, devstack.Logf(stderr))
	if err != nil {
		return err
	}
	defer stack.Close()
	h, ok := stack.Handlers[*function]
	if !ok {
		return fmt.Errorf("template.yaml has no function %q", *function)
	}
	if *reset {
		if err := fixtures.Reset(ctx, stack.Store); err != nil {
			return fmt.Errorf("reset fixtures: %w", err)
		}
	}
	out, err := h.Invoke(ctx, event)
	if err != nil {
		return fmt.Errorf("%s returned an error: %w", *function, err)
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") != nil {
		pretty.Write(out)
	}
	fmt.Fprintln(stdout, pretty.String())
	return nil
}

func readEvent(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(path)
}
