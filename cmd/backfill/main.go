// Command backfill writes every profile and contact item of a table again
// in the shape this version writes (make backfill locally; -aws on the
// deployed table): after the index change that partitions the list
// indexes by enabled state and adds the contact look-up, existing items
// need the new keys to appear in the new indexes (docs/upgrading.md).
// Each profile keeps its version; a profile written meanwhile is read
// again, so no concurrent write is lost.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/profile"
)

func main() {
	// -h prints the flags and succeeds.
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "backfill:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	deployed := fs.Bool("aws", false, "the deployed table: TABLE_NAME, LIST_SHARDS (the stack's ListShards), the default AWS credentials and region")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cfg config.Config
	var err error
	if *deployed {
		if err := devstack.DeployedEnv(getenv, []devstack.StackOutput{{Env: "TABLE_NAME", Output: "TableName"}}); err != nil {
			return err
		}
		cfg, err = config.FromEnv(getenv)
	} else {
		cfg, err = config.FromEnv(devstack.LocalEnv(getenv))
	}
	if err != nil {
		return err
	}
	awsCfg, err := lambdaapp.AWSConfig(ctx, cfg)
	if err != nil {
		return err
	}
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.Endpoint, cfg.Local), cfg.TableName, cfg.ListShards, dynamo.WithBudget(cfg.Budget))
	n, err := backfill(ctx, store, stderr)
	fmt.Fprintf(stderr, "backfill: %d profiles of %s written in the current shape\n", n, cfg.TableName)
	return err
}

// backfill rewrites every profile of the store.
func backfill(ctx context.Context, store *dynamo.Store, progress io.Writer) (int, error) {
	n := 0
	for start := ""; ; {
		ids, next, err := store.ProfileIDs(ctx, start)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if err := store.Rewrite(ctx, id); err != nil && !errors.Is(err, profile.ErrNotFound) {
				return n, fmt.Errorf("profile %s: %w", id, err)
			}
			n++
			if n%1000 == 0 {
				fmt.Fprintf(progress, "backfill: %d profiles\n", n)
			}
		}
		if next == "" {
			return n, nil
		}
		start = next
	}
}
