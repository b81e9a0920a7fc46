// Command apikey manages partner API keys in the local table: it creates
// one and prints it (make -s apikey NAME=<name> [EXPIRES=90d]), lists them
// (make apikey-list) and revokes one by its name (make apikey-revoke
// NAME=<name>). With -aws it does so in the deployed table instead:
// TABLE_NAME (the stack's TableName output), with the default AWS
// credential chain and region. Only the key's SHA-256 hash is stored; the
// key is shown once, and never listed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/profiles-service/profiles/local/ddblocal"
	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/samtemplate"
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

const usage = "usage: apikey [-aws] -name <name> [-expires 90d|2026-12-31] | -list | -revoke <name> | -revoke-key <key>"

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("apikey", flag.ContinueOnError)
	name := fs.String("name", "", "create a key with this name (who it is for; unique)")
	expires := fs.String("expires", "", "with -name: when the key stops working: days (90d), a UTC date (2026-12-31) or an RFC 3339 time; never when empty")
	list := fs.Bool("list", false, "list the keys: name, creation, last-used day, expiry, status; never a key or its hash")
	revoke := fs.String("revoke", "", "revoke the key with this name")
	revokeKey := fs.String("revoke-key", "", "revoke this key, for keys created before names were unique (the key lands in shell history: prefer -revoke <name>)")
	deployed := fs.Bool("aws", false, "use the deployed table: TABLE_NAME (the stack's TableName output), the default AWS credentials and region")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if chosen(*name != "", *list, *revoke != "", *revokeKey != "") != 1 || (*expires != "" && *name == "") || fs.NArg() > 0 {
		return errors.New(usage)
	}
	now := profile.Now()
	var expireTime time.Time
	if *name != "" {
		if err := auth.CheckName(*name); err != nil {
			return err
		}
		if *expires != "" {
			t, err := auth.ParseExpiry(*expires, now)
			if err != nil {
				return err
			}
			expireTime = t
		}
	}
	if *revoke != "" && auth.WellFormed(*revoke) {
		return errors.New("-revoke takes the key's name (make apikey-list), not the key: a key created before names were unique is revoked with -revoke-key")
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
	switch {
	case *list:
		all, err := keys.APIKeys(ctx)
		if err != nil {
			return err
		}
		return writeList(stdout, all, now)
	case *revoke != "":
		if err := keys.RevokeAPIKeyByName(ctx, *revoke); errors.Is(err, auth.ErrUnknownKey) {
			return fmt.Errorf("no key is named %q (make apikey-list)", *revoke)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "revoked %s%s\n", *revoke, cacheNote())
		return nil
	case *revokeKey != "":
		if err := keys.RevokeAPIKey(ctx, auth.HashAPIKey(*revokeKey)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "revoked%s\n", cacheNote())
		return nil
	}
	key, rec, err := auth.NewAPIKey(*name, now)
	if err != nil {
		return err
	}
	rec.ExpireTime = expireTime
	if err := keys.PutAPIKey(ctx, rec); errors.Is(err, auth.ErrNameTaken) {
		return fmt.Errorf("a key named %q exists (make apikey-list): names are unique, so pick another, such as %s-2", *name, *name)
	} else if err != nil {
		return err
	}
	fmt.Fprintln(stdout, key)
	return nil
}

// chosen counts the actions asked for.
func chosen(actions ...bool) int {
	n := 0
	for _, a := range actions {
		if a {
			n++
		}
	}
	return n
}

// writeList prints the keys as a table. It has no column for the key or
// its hash: neither is anything an operator needs to find a key.
func writeList(w io.Writer, keys []auth.APIKey, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED\tLAST USED\tEXPIRES\tSTATUS")
	for _, k := range keys {
		lastUsed, expires, status := "never", "never", "active"
		if k.LastUsedDay != "" {
			lastUsed = k.LastUsedDay
		}
		if !k.ExpireTime.IsZero() {
			expires = k.ExpireTime.UTC().Format(time.RFC3339)
		}
		switch {
		case k.Revoked:
			status = "revoked"
		case k.Expired(now):
			status = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, k.CreateTime.UTC().Format(time.RFC3339), lastUsed, expires, status)
	}
	return tw.Flush()
}

// cacheNote says how long API Gateway may still accept a revoked key: the
// API-key authorizer's result cache (ReauthorizeEvery in template.yaml),
// or nothing when the template is not at hand.
func cacheNote() string {
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		return ""
	}
	az, ok := tpl.Authorizers["ApiKeyAuthorizer"]
	if !ok || az.ReauthorizeEvery <= 0 {
		return ""
	}
	return fmt.Sprintf("; API Gateway may still accept it for up to %d s, the authorizer's result cache (docs/deploy.md)", az.ReauthorizeEvery)
}

// keyStore keeps API keys: the table's key and name items.
type keyStore interface {
	PutAPIKey(ctx context.Context, k auth.APIKey) error
	APIKeys(ctx context.Context) ([]auth.APIKey, error)
	RevokeAPIKey(ctx context.Context, hash string) error
	RevokeAPIKeyByName(ctx context.Context, name string) error
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
// wrong TABLE_NAME fails on the first call.
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
