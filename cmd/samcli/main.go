// Command samcli runs the real `sam local` on a sam build of the project,
// against DynamoDB Local:
//
//	samcli invoke [Function...]   make sam-invoke: sam local invoke of every function
//	                              on each of its events/ fixtures, held to local/fixtures
//	samcli start-api              make sam-api: sam local start-api until Ctrl-C
//
// The container engine and base image come from local/samcli/engine.sh and
// local/samcli/base-image.sh; the build from make sam-build SAM_ARCHITECTURE=<host>.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/local/samcli"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/logging"
)

func main() {
	slog.SetDefault(logging.New(os.Stderr, slog.LevelInfo))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// -h prints the usage and succeeds.
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "samcli:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "usage: samcli invoke [flags] [Function...] | samcli start-api [flags] (samcli <command> -h: its flags)"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	if len(args) == 0 || (args[0] != "invoke" && args[0] != "start-api") {
		return errors.New(usage)
	}
	sub := args[0]
	arch, _ := samcli.HostArchitecture()
	fs := flag.NewFlagSet("samcli "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	samBin := fs.String("sam", first(getenv("SAM"), "sam"), "the SAM CLI")
	buildDir := fs.String("build-dir", ".local/sam-local/build", "sam build's output, for -arch")
	fs.StringVar(&arch, "arch", arch, "the Architecture the build is for (the host's)")
	port := fs.Int("port", 3001, "start-api: the API's port on 127.0.0.1")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if arch != "arm64" && arch != "x86_64" {
		return fmt.Errorf("-arch %q: want arm64 or x86_64", arch)
	}
	root, err := filepath.Abs(".")
	if err != nil {
		return err
	}
	l := &samcli.Local{SAM: *samBin, Root: root, BuildDir: *buildDir, Arch: arch,
		EnvFile: filepath.Join(root, ".local", "sam-local", "env.json")}
	if err := l.CheckBuild(); err != nil {
		return err
	}
	if sub == "invoke" {
		return invokeAll(ctx, l, fs.Args(), stdout, stderr)
	}
	local := devstack.LocalEnv(getenv)
	return startAPI(ctx, l, local("TABLE_NAME"), local("DYNAMODB_ENDPOINT"), *port, stderr)
}

// localStack starts the engine, then DynamoDB Local at endpoint (reused,
// or started) with the table and the fixture profile, and writes the env
// file that points the functions at them. stop stops what it started.
func localStack(ctx context.Context, l *samcli.Local, table, endpoint string, stderr io.Writer) (stack *devstack.Stack, stop func(), err error) {
	if l.Engine, err = samcli.StartEngine(ctx, l.Root, stderr); err != nil {
		return nil, nil, err
	}
	if stack, err = startTable(ctx, l, table, endpoint, stderr); err != nil {
		l.Engine.Stop()
		return nil, nil, err
	}
	return stack, func() { stack.Close(); l.Engine.Stop() }, nil
}

func startTable(ctx context.Context, l *samcli.Local, table, endpoint string, stderr io.Writer) (*devstack.Stack, error) {
	env := map[string]string{"TABLE_NAME": table, "DYNAMODB_ENDPOINT": endpoint, "LOCAL_MODE": "1"}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	// The functions run in Region (sam local --region): so must the table.
	cfg.Region = samcli.Region
	stack, err := devstack.Start(ctx, l.Root, cfg, devstack.Logf(stderr))
	if err != nil {
		return nil, err
	}
	if err := fixtures.Reset(ctx, stack.Store); err != nil {
		stack.Close()
		return nil, fmt.Errorf("reset fixtures: %w", err)
	}
	if err := l.WriteEnvFile(cfg.TableName, cfg.Endpoint); err != nil {
		stack.Close()
		return nil, err
	}
	return stack, nil
}

// freePort is a TCP port nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
