// Command invoke runs one function's Lambda handler with an event fixture
// against the local table and prints the Lambda response (make invoke): what
// `sam local invoke -e` does, without Docker. The profile change events a
// function publishes are printed before its response.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/logging"
)

func main() {
	slog.SetDefault(logging.New(os.Stderr, slog.LevelInfo))
	// -h prints the flags and succeeds.
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
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
	if err := knownFunction(*function); err != nil {
		return err
	}
	event, err := readEvent(*eventPath)
	if err != nil {
		return err
	}
	env := devstack.LocalEnv(getenv)
	// The events the function publishes (PublishProfileEvents does) are
	// printed before its response, unless they are sent elsewhere.
	eventsFile := ""
	if getenv("EVENTS_FILE") == "" && getenv("EVENTBRIDGE_ENDPOINT") == "" {
		dir, err := os.MkdirTemp("", "invoke-events-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		eventsFile = filepath.Join(dir, "events.jsonl")
		env = withDefault(env, "EVENTS_FILE", eventsFile)
	}
	cfg, err := config.FromEnv(env)
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
	if eventsFile != "" {
		if perr := printEvents(eventsFile, stdout, stderr); perr != nil && err == nil {
			err = perr
		}
	}
	if err != nil {
		return fmt.Errorf("%s returned an error: %w", *function, err)
	}
	fmt.Fprintln(stdout, indent(out))
	return nil
}

// printEvents prints the events the function published, one indented
// JSON object each, and says on stderr how many.
func printEvents(path string, stdout, stderr io.Writer) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	fmt.Fprintf(stderr, "published %d events, as they would be put on the bus (then the function's response):\n", len(lines))
	for _, line := range lines {
		fmt.Fprintln(stdout, indent(line))
	}
	return nil
}

func indent(b []byte) string {
	var pretty bytes.Buffer
	if json.Indent(&pretty, b, "", "  ") != nil {
		return string(b)
	}
	return pretty.String()
}

// withDefault is getenv with a value for key when it has none.
func withDefault(getenv func(string) string, key, value string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" || k != key {
			return v
		}
		return value
	}
}

// knownFunction checks the name against template.yaml before anything
// starts, and lists the names there are when it is none of them.
func knownFunction(name string) error {
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		return err
	}
	names := make([]string, len(tpl.Functions))
	for i, f := range tpl.Functions {
		if f.Name == name {
			return nil
		}
		names[i] = f.Name
	}
	return fmt.Errorf("template.yaml has no function %q; -function (FUNCTION= with make invoke) is one of: %s", name, strings.Join(names, ", "))
}

func readEvent(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(path)
}
