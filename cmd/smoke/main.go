// Command smoke checks a running stack as a client would (make smoke
// BASE_URL=… TOKEN=… [USER_TOKEN=…] [API_KEY=…]): it creates a profile
// tagged smoke-test, reads, lists, looks up, patches and deletes it, and
// reads the user view and the partner look-up when given their
// credentials. One line per step with its latency; a non-zero exit on any
// failure. It never guesses the stack: BASE_URL is required.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/profiles-service/profiles/local/smoke"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "smoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := smoke.Config{}
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("BASE_URL"), "the API's base URL, the stack's ApiUrl output (required; BASE_URL)")
	fs.StringVar(&cfg.Token, "token", getenv("TOKEN"), "an admin token with profiles:read and profiles:write (required; TOKEN)")
	fs.StringVar(&cfg.UserToken, "user-token", getenv("USER_TOKEN"), "an end user's token: adds the user view (USER_TOKEN)")
	fs.StringVar(&cfg.APIKey, "api-key", getenv("API_KEY"), "a partner's API key: adds the partner look-up (API_KEY)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: smoke -base-url URL -token TOKEN [-user-token TOKEN] [-api-key KEY]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.BaseURL == "" {
		fs.Usage()
		return errors.New("BASE_URL is required: the smoke test creates and deletes a profile, so it never picks a stack for you")
	}
	return smoke.Run(ctx, cfg, func(s smoke.Step) { fmt.Fprintln(stdout, s) })
}
