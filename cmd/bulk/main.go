// Command bulk imports profiles into the API and exports them from it
// (make import, make export), through package client/bulk:
//
//	bulk import [flags] FILE      NDJSON or CSV, in batches of 100 through POST /profiles/batch
//	bulk export [flags] > FILE    every profile, or a listing's, as NDJSON
//
// BASE_URL and TOKEN come from the environment (make passes them so, and
// no credential shows in the echoed command); without them it talks to make
// run's API on http://127.0.0.1:3000 with an admin token minted locally.
// See docs/bulk.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/client/bulk"
	"github.com/profiles-service/profiles/client/bulk/progress"
	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/local/samtemplate"
)

// defaultBaseURL is make run's API.
const defaultBaseURL = "http://127.0.0.1:3000"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "bulk:", err)
		os.Exit(1)
	}
}

const usage = "usage: bulk import [flags] FILE | bulk export [flags] > FILE (-h after either for its flags)"

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, stderr *os.File) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "import":
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("%q is neither import nor export; %s", args[0], usage)
}

// connection is the API's base URL and token, from flags or the environment.
type connection struct{ baseURL, token string }

func (c *connection) flags(fs *flag.FlagSet, getenv func(string) string) {
	base := getenv("BASE_URL")
	if base == "" {
		base = defaultBaseURL
	}
	fs.StringVar(&c.baseURL, "base-url", base, "the API's base URL (BASE_URL; make run's when unset)")
	c.token = getenv("TOKEN")
}

// client is a client of the API with conns connections kept open; without
// a TOKEN, an admin token minted locally (make token's), which only make
// run's API accepts.
func (c *connection) client(conns int, stderr io.Writer, opts ...client.Option) (*client.Client, error) {
	token := c.token
	if token == "" {
		tpl, err := samtemplate.FindAndLoad(".")
		if err != nil {
			return nil, fmt.Errorf("no TOKEN, and no template.yaml to mint a local one: %w", err)
		}
		if token, err = gateway.SignRole(tpl, gateway.RoleAdmin, "bulk", []string{"profiles:read", "profiles:write"}, 24*time.Hour); err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "bulk: no TOKEN: a local admin token, for make run's API at %s\n", c.baseURL)
	}
	h := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: conns}}
	return client.New(c.baseURL, append([]client.Option{client.WithBearerToken(token), client.WithHTTPClient(h), client.WithUserAgent("profiles-bulk/1")}, opts...)...), nil
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, stderr *os.File) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn connection
	conn.flags(fs, getenv)
	var o bulk.Options
	format := fs.String("format", "", "ndjson or csv (by default from the file's name: .csv is CSV, else NDJSON)")
	fs.StringVar(&o.Match, "match", bulk.MatchAuto, "how a row without a profileId finds its profile: auto (upsert by uuid when the row has one, else create), create, uuid, email or phone")
	fs.IntVar(&o.Concurrency, "concurrency", bulk.DefaultConcurrency, "batches in flight")
	fs.Float64Var(&o.Rate, "rate", bulk.DefaultRate, "the most rows a second (0: as fast as the API answers); the default leaves interactive writes their share of a one-shard table (docs/performance.md)")
	fs.StringVar(&o.Checkpoint, "checkpoint", "", "the checkpoint file (FILE.checkpoint): found, the import resumes from it")
	fs.StringVar(&o.ErrorFile, "errors", "", "the error file, a failed row a line (FILE.errors.ndjson)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bulk import [flags] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import takes one FILE")
	}
	path := fs.Arg(0)
	o.Format = bulk.Format(*format)
	if o.Rate == 0 {
		o.Rate = -1 // the flag's 0 is no pacing; Options' is the default
	}
	o.Progress, o.Terminal = stderr, progress.IsTerminal(stderr)
	// Import resends a batch itself (Options.Attempts, with its key) and
	// slows its pace on a 429: the client sends each request once, so there
	// is one retry layer and the pacing sees every refusal.
	c, err := conn.client(o.Concurrency, stderr, client.WithRetry(1))
	if err != nil {
		return err
	}
	sum, err := bulk.Import(ctx, c, path, o)
	fmt.Fprintf(stdout, "import %s: %d rows: %d created, %d updated, %d unchanged, %d failed", path, sum.Rows, sum.Created, sum.Updated, sum.Unchanged, sum.Failed)
	if sum.FromCheckpoint {
		fmt.Fprintf(stdout, "; resumed, %d rows done before", sum.Resumed)
	}
	fmt.Fprintln(stdout)
	if err != nil {
		return err
	}
	if sum.Unacknowledged > 0 {
		return fmt.Errorf("%d batches had rows without a sure answer (503 or none): run the import again to resume them, with their keys", sum.Unacknowledged)
	}
	if sum.Failed > 0 {
		errFile := o.ErrorFile
		if errFile == "" {
			errFile = path + ".errors.ndjson"
		}
		return fmt.Errorf("%d rows failed: each is in %s with its line and problem", sum.Failed, errFile)
	}
	return nil
}

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, stderr *os.File) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn connection
	conn.flags(fs, getenv)
	var filters []string
	fs.Func("filter", "a listing's filters as a query string, such as 'enabled=true&lastName=Smith' (filter[name]=value works too); repeatable", func(s string) error {
		filters = append(filters, s)
		return nil
	})
	o := bulk.ExportOptions{}
	fs.StringVar(&o.List.SortBy, "sort-by", "", "the listing's sort_by (createTime by default)")
	fs.StringVar(&o.List.SortOrder, "sort-order", "", "asc or desc")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bulk export [-filter QUERY] [-sort-by FIELD] [-sort-order asc|desc] > FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errors.New("export takes no arguments: it writes to stdout")
	}
	var err error
	if o.List.Filters, err = parseFilters(filters); err != nil {
		return err
	}
	o.Progress, o.Terminal = stderr, progress.IsTerminal(stderr)
	c, err := conn.client(2, stderr)
	if err != nil {
		return err
	}
	_, err = bulk.Export(ctx, c, stdout, o)
	return err
}

// parseFilters reads query strings of filters into the listing's
// filter[name]=value pairs.
func parseFilters(queries []string) (map[string]string, error) {
	out := map[string]string{}
	for _, q := range queries {
		vals, err := url.ParseQuery(strings.TrimSpace(q))
		if err != nil {
			return nil, fmt.Errorf("-filter %q: %w", q, err)
		}
		for k, vs := range vals {
			name := k
			if inner, ok := strings.CutPrefix(k, "filter["); ok && strings.HasSuffix(inner, "]") {
				name = strings.TrimSuffix(inner, "]")
			}
			if len(vs) != 1 || vs[0] == "" || name == "" {
				return nil, fmt.Errorf("-filter %q: %s needs one value", q, k)
			}
			out[name] = vs[0]
		}
	}
	return out, nil
}
