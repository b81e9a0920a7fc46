// Command apikey creates a partner API key in the local table and prints it
// (make -s apikey NAME=<name>), or revokes one (make apikey-revoke KEY=<key>).
// Only the key's SHA-256 hash is stored; the key is shown once.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/ddblocal"
	"github.com/profiles-service/profiles/shared/localstack"
	"github.com/profiles-service/profiles/shared/profile"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "apikey:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("apikey", flag.ContinueOnError)
	name := fs.String("name", "", "a name for the new key (who it is for)")
	revoke := fs.String("revoke", "", "revoke this key instead of creating one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*name == "") == (*revoke == "") {
		return fmt.Errorf("usage: apikey -name <name> | apikey -revoke <key>")
	}
	cfg, err := config.FromEnv(config.LocalEnv(getenv))
	if err != nil {
		return err
	}
	if !ddblocal.Reachable(cfg.Endpoint) {
		return fmt.Errorf("nothing answers at %s: start the local service first (make run) so the key outlives this command", cfg.Endpoint)
	}
	stack, err := localstack.Start(ctx, ".", cfg, func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) })
	if err != nil {
		return err
	}
	defer stack.Close()
	if *revoke != "" {
		if err := stack.Deps.Keys.RevokeAPIKey(ctx, auth.HashAPIKey(*revoke)); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "revoked")
		return nil
	}
	key, rec, err := auth.NewAPIKey(*name, profile.Now())
	if err != nil {
		return err
	}
	if err := stack.Deps.Keys.PutAPIKey(ctx, rec); err != nil {
		return err
	}
	fmt.Fprintln(stdout, key)
	return nil
}
