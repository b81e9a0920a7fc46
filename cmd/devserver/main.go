// Command devserver runs the whole service on this machine (make run): DynamoDB
// Local, the table from template.yaml, the local API gateway on
// 127.0.0.1:$PORT (3000) in front of every function's handler, and the
// table's stream fed to PublishProfileEvents, whose events go to
// $EVENTS_FILE (.local/events.jsonl).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/logging"
)

func main() {
	// No flags: the environment configures it. -h says so and succeeds.
	fs := flag.NewFlagSet("devserver", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: devserver (make run): the service on 127.0.0.1:$PORT (3000) on DynamoDB Local;\n"+
			"configured by PORT, DYNAMODB_ENDPOINT, TABLE_NAME and EVENTS_FILE (README.md, Configuration)")
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	slog.SetDefault(logging.New(os.Stderr, slog.LevelInfo))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	env := devstack.LocalEnv(getenv)
	cfg, err := config.FromEnv(env)
	if err != nil {
		return err
	}
	logf := devstack.Logf(stderr)
	// Each function's EMF metric lines go with the request log, as each
	// Lambda's go to its log group.
	stack, err := devstack.Start(ctx, ".", cfg, logf, devstack.WithMetrics(stderr))
	if err != nil {
		return err
	}
	defer stack.Close()
	gw, err := stack.Gateway()
	if err != nil {
		return err
	}
	// The profile change events of every write after this point: the
	// stream's position is taken before the API serves.
	events, err := stack.EventSource(ctx, types.ShardIteratorTypeLatest)
	if err != nil {
		return err
	}
	eventsCtx, stopEvents := context.WithCancel(ctx)
	defer func() { stopEvents(); events.Wait() }()
	if err := events.Start(eventsCtx); err != nil {
		return fmt.Errorf("read the table's stream: %w", err)
	}
	if cfg.EventsFile != "" {
		logf("profile change events: appended to %s, and logged (msg \"event\")", cfg.EventsFile)
	} else {
		logf("profile change events: put on the bus %s at %s", cfg.EventBusName, cfg.EventBridgeEndpoint)
	}
	port := env("PORT")
	if port == "" {
		port = "3000"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	logf("API on http://%s (table %s, DynamoDB %s); Ctrl-C stops", ln.Addr(), cfg.TableName, cfg.Endpoint)
	go func() {
		<-ctx.Done()
		// ctx is done: the shutdown gets 5 s of its own.
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
