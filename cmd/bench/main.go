// Command bench measures the service against its own database (make bench):
// the time the API adds on top of the DynamoDB call it makes, how a listing's
// latency and read capacity grow with the table (adversarial listings
// included), writes under concurrency, what each endpoint costs in capacity
// and DynamoDB calls, every function's cold start, size and memory, and
// sharded listing. It
// starts what it needs (DynamoDB Local, the local API on its own tables),
// shows its progress on stderr and prints one Markdown table on stdout.
//
// Every figure that is compared with another is measured in the same run,
// interleaved with it, because absolute times on a shared machine drift.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/profiles-service/profiles/shared/logging"
)

func main() {
	// The handlers log each request as they do in Lambda; the lines are
	// formatted (that cost is measured) but not kept.
	slog.SetDefault(logging.New(io.Discard, slog.LevelInfo))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the sizes and iteration counts of a run.
type options struct {
	small, large int           // table sizes of the listing comparison
	shards       int           // list shards of the sharded table (of -small profiles)
	samples      int           // requests per measured series (GET, each listing)
	advSamples   int           // requests per adversarial listing (tens of ms each)
	writes       int           // POST /profiles requests
	concurrency  int           // the concurrent series (GET, writes)
	loaders      int           // concurrent writers while loading
	coldStarts   int           // cold starts per function (the median is reported)
	invocations  int           // invocations before reading peak RSS
	functions    []string      // the functions/ folders of the cold start section, all when empty
	buildDir     string        // where the bootstraps are built
	timeout      time.Duration // the measured sections (loading and building excluded), none when 0
	smoke        bool          // every section tiny, the table checked
	cpuProfile   string        // a CPU profile of the measured sections (after loading)
	sections     []string      // the sections to run, all when empty
	reuse        bool          // keep the loaded tables, and reuse those of an earlier run of the same sizes
	mixedTime    time.Duration // how long the mixed section's clients run
	bulk         int           // profiles the bulk section imports (and a tenth of them, for RSS)
	baseURL      string        // an API already running: only the mixed section runs, against it (external.go)
	token        string        // the bearer token for baseURL
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.small, "small", 1000, "profiles in the small table")
	fs.IntVar(&o.large, "large", 50000, "profiles in the large table")
	fs.IntVar(&o.shards, "shards", 8, "list shards of the sharded table (of -small profiles)")
	fs.IntVar(&o.samples, "n", 1000, "requests per measured series")
	fs.IntVar(&o.advSamples, "adversarial-n", 200, "requests per adversarial listing (some read a thousand index entries)")
	fs.IntVar(&o.writes, "writes", 2000, "POST /profiles requests")
	fs.IntVar(&o.concurrency, "c", 16, "concurrency of the concurrent series")
	fs.IntVar(&o.loaders, "loaders", 16, "concurrent writers while loading")
	fs.IntVar(&o.coldStarts, "cold", 7, "cold starts per function")
	fs.IntVar(&o.invocations, "invocations", 1000, "invocations before reading a function's peak RSS")
	fs.StringVar(&o.buildDir, "build-dir", "", "where to build the bootstraps (a temporary directory when empty)")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up when the sections have run this long (loading the tables and building the bootstraps not counted); 0: no budget, Ctrl-C stops the run")
	fs.BoolVar(&o.reuse, "reuse", false, "keep the loaded tables (named by their sizes) and reuse those an earlier -reuse run loaded, skipping the load; needs a DynamoDB Local that outlives the run (make run's, or one at DYNAMODB_ENDPOINT)")
	fs.BoolVar(&o.smoke, "smoke", false, "run every section tiny (seconds) and check the table renders")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured sections (go tool pprof) to this file")
	secs := fs.String("sections", "", "comma-separated sections to run: overhead, listing (with sharding), adversarial, writes, costs, hot, mixed, coldstart, bulk, erasure (all when empty)")
	fns := fs.String("functions", "", "comma-separated functions/ folders for the cold start section (all when empty)")
	fs.IntVar(&o.bulk, "bulk", 100000, "profiles the bulk section imports through the API and loads directly (its importer's RSS is compared with an import of a tenth of them)")
	fs.DurationVar(&o.mixedTime, "mixed-duration", 30*time.Second, "how long the mixed section's clients run (2s in -smoke)")
	fs.StringVar(&o.baseURL, "base-url", "", "run only the mixed section, against the API already running at this URL (another checkout's make run), with -token; no table is created and no API started, and profiles are created there first if it lists fewer than 100 (up to -small)")
	fs.StringVar(&o.token, "token", "", "the bearer token for -base-url (make -s token in that checkout)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *secs != "" {
		o.sections = strings.Split(*secs, ",")
	}
	if *fns != "" {
		o.functions = strings.Split(*fns, ",")
	}
	if o.smoke {
		o.small, o.large, o.shards = 20, 60, 2
		o.samples, o.advSamples, o.writes, o.concurrency, o.loaders = 20, 20, 32, 4, 8
		o.coldStarts, o.invocations = 1, 20
		if !set["bulk"] {
			o.bulk = 300
		}
		if !set["mixed-duration"] {
			o.mixedTime = 2 * time.Second
		}
		if o.functions == nil {
			o.functions = []string{"get-profile"}
		}
		// A hang guard, not a speed test: the smoke's sections take seconds
		// on a loaded 2-core machine; its build (a cold cache compiles the
		// SDK) is not counted.
		if o.timeout == 0 {
			o.timeout = 10 * time.Minute
		}
	}
	if err := checkExternal(&o, set); err != nil {
		return o, err
	}
	if o.small < 11 || o.large < o.small || o.samples < 2 || o.advSamples < 2 || o.concurrency < 1 || o.shards < 2 {
		return o, fmt.Errorf("need -small >= 11, -large >= -small, -n >= 2, -adversarial-n >= 2, -c >= 1, -shards >= 2")
	}
	if o.bulk < 100 {
		return o, fmt.Errorf("need -bulk >= 100")
	}
	if o.mixedTime <= 0 {
		return o, fmt.Errorf("need -mixed-duration > 0")
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	p := newProgress(stderr)
	if o.baseURL != "" {
		return runExternal(ctx, o, stdout, p)
	}
	start := time.Now()
	rep := &report{}
	rep.describeMachine("at start")
	if err := rep.flush(stdout); err != nil {
		return err
	}
	e, err := startEnv(ctx, o, getenv, p)
	if err != nil {
		return err
	}
	defer e.close(p)
	// The budget covers the measured sections only: loading (above) and the
	// cold start section's build run on ctx, which only Ctrl-C ends.
	e.interrupt = ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.timeout, fmt.Errorf("the budget of the measured sections, %v (-timeout), ran out", o.timeout))
		defer cancel()
	}
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	for _, s := range []struct {
		name string
		run  func(context.Context, *env, *report, *progress) error
	}{{"overhead", overhead}, {"listing", listing}, {"adversarial", adversarial}, {"writes", writes},
		{"costs", endpointCosts}, {"hot", hotProfile}, {"mixed", mixedLoad}, {"coldstart", coldStart}, {"bulk", bulkImport},
		{"erasure", erasures}} {
		if o.sections != nil && !slices.Contains(o.sections, s.name) {
			continue
		}
		sectionStart := time.Now()
		if err := s.run(ctx, e, rep, p); err != nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
			}
			return fmt.Errorf("section %s, after %v: %w", s.name, time.Since(sectionStart).Round(time.Second), err)
		}
		// Each section's rows as it completes: a run cut short keeps them.
		if err := rep.flush(stdout); err != nil {
			return err
		}
		p.logf("section %s done in %v", s.name, time.Since(sectionStart).Round(time.Second))
	}
	rep.describeMachine("at end")
	if err := rep.flush(stdout); err != nil {
		return err
	}
	p.logf("done in %v", time.Since(start).Round(time.Second))
	if o.smoke && o.sections == nil {
		if table := rep.markdown(); checkTable(table, rep) != nil {
			return fmt.Errorf("smoke: %w\n%s", checkTable(table, rep), table)
		}
	}
	return nil
}

// startCPUProfile profiles this process (the API, the handlers and the
// benchmark's own clients) until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close() // nothing written: the profiling error is what counts
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: CPU profile %s: %v\n", path, err)
		}
	}, nil
}
