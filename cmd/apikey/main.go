// Command apikey creates a partner API key in the local table and prints it
// (make -s apikey NAME=<name>), or revokes one (make apikey-revoke KEY=<key>).
// With -aws it does so in the deployed table instead: TABLE_NAME (the
// stack's TableName output), with the default AWS credential chain and region.
// Only the key's SHA-256 hash is stored; the key is shown once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/profiles-service/profiles/local/ddblocal"
	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/profile"
)

func main() {
	// -h prints the flags and succeeds.
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "apikey:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("apikey", flag.ContinueOnError)
	name := fs.String("name", "", "a name for the new key (who it is for)")
	revoke := fs.String("revoke", "", "revoke this key instead of creating one")
	deployed := fs.Bool("aws", false, "use the deployed table: TABLE_NAME (the stack's TableName output), the default AWS credentials and region")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*name == "") == (*revoke == "") {
		return fmt.Errorf("usage: apikey [-aws] -name <name> | apikey [-aws] -revoke <key>")
	}
	open := localKeys
	if *deployed {
		open = deployedKeys
	}
	keys, closeKeys, err := open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer closeKeys()
	if *revoke != "" {
		if err := keys.RevokeAPIKey(ctx, auth.HashAPIKey(*revoke)); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "revoked")
		return nil
	}
	key, rec, err := auth.NewAPIKey(*name, profile.Now())
	if err != nil {
		return err
	}
	if err := keys.PutAPIKey(ctx, rec); err != nil {
		return err
	}
	fmt.Fprintln(stdout, key)
	return nil
}

// keyStore keeps API keys: the table's key items.
type keyStore interface {
	PutAPIKey(ctx context.Context, k auth.APIKey) error
	RevokeAPIKey(ctx context.Context, hash string) error
}

// localKeys is the local table of make run, which must be running: a
// DynamoDB Local started here would take the key with it when it stops.
func localKeys(ctx context.Context, getenv func(string) string, stderr io.Writer) (keyStore, func(), error) {
	cfg, err := config.FromEnv(devstack.LocalEnv(getenv))
	if err != nil {
		return nil, nil, err
	}
	if !ddblocal.Reachable(cfg.Endpoint) {
		return nil, nil, fmt.Errorf("nothing answers at %s: start the local service first (make run) so the key outlives this command, or pass -aws for the deployed table", cfg.Endpoint)
	}
	stack, err := devstack.Start(ctx, ".", cfg, devstack.Logf(stderr))
	if err != nil {
		return nil, nil, err
	}
	return stack.Store, stack.Close, nil
}

// deployedKeys is the deployed table in AWS. It never creates a table: a
// wrong TABLE_NAME fails on the first write.
func deployedKeys(ctx context.Context, getenv func(string) string, stderr io.Writer) (keyStore, func(), error) {
	if err := devstack.DeployedEnv(getenv, []devstack.StackOutput{{Env: "TABLE_NAME", Output: "TableName"}}); err != nil {
		return nil, nil, err
	}
	table := getenv("TABLE_NAME")
	// No endpoint and no region: the SDK's default chain picks credentials
	// and region (AWS_REGION, AWS_DEFAULT_REGION, the profile) as the AWS CLI does.
	awsCfg, err := lambdaapp.AWSConfig(ctx, config.Config{})
	if err != nil {
		return nil, nil, fmt.Errorf("AWS configuration: %w", err)
	}
	fmt.Fprintf(stderr, "using the deployed table %s\n", table)
	return dynamo.New(dynamo.NewClient(awsCfg, "", false), table, 1), func() {}, nil
}
