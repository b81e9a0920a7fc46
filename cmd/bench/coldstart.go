package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/profiles-service/profiles/local/fixtures"
)

// function is one Lambda function of the template, built as Lambda runs it.
type function struct {
	name      string // the logical id, e.g. GetProfile
	folder    string // functions/<folder>
	bootstrap string // the built binary
	event     []byte // events/<folder>.json
}

// coldStartResult is what the section measures of one function.
type coldStartResult struct {
	inits    latencies
	size     int64
	peakRSS  int64 // bytes, VmHWM after the invocations
	statuses map[int]int
}

// coldStart builds every function as `make build` does (for this machine's
// architecture), then starts each one several times under a minimal Lambda
// Runtime API and times its init, as Lambda reports Init Duration: from
// starting the bootstrap to its first request for work. One more start of
// each then serves o.invocations invocations of the function's events/
// fixture, after which its peak RSS is read.
func coldStart(ctx context.Context, e *env, rep *report, p *progress) error {
	fns, err := e.functions()
	if err != nil {
		return err
	}
	dir := e.o.buildDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bench-build-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	// How long a build takes depends on the build cache, not on the
	// service: it runs outside the budget.
	if err := build(e.interrupt, e.root, dir, fns, p); err != nil {
		return err
	}
	results := map[string]*coldStartResult{}
	for _, f := range fns {
		st, err := os.Stat(f.bootstrap)
		if err != nil {
			return err
		}
		results[f.name] = &coldStartResult{size: st.Size()}
	}
	// Rounds of one start of each function, so a drift of the machine's
	// speed falls on all of them alike.
	bar := p.bar("cold starts", "starts", len(fns)*e.o.coldStarts)
	for range e.o.coldStarts {
		for _, f := range fns {
			run, err := e.startFunction(ctx, f, 0, nil)
			if err != nil {
				bar.done()
				return err
			}
			results[f.name].inits = append(results[f.name].inits, run.init)
			bar.add(1)
		}
	}
	bar.done()
	bar = p.bar(fmt.Sprintf("%d invocations of each function", e.o.invocations), "invocations", len(fns)*e.o.invocations)
	for _, f := range fns {
		// Each function's fixture finds the profile, user and key it names.
		if err := fixtures.Reset(ctx, e.large.Store); err != nil {
			bar.done()
			return fmt.Errorf("reset fixtures: %w", err)
		}
		run, err := e.startFunction(ctx, f, e.o.invocations, bar)
		if err != nil {
			bar.done()
			return err
		}
		results[f.name].peakRSS, results[f.name].statuses = run.peakRSS, run.statuses
	}
	bar.done()
	for _, f := range fns {
		rep.coldStart(f, results[f.name], e.o)
	}
	return nil
}

// functions are the template's functions with their folders and fixtures,
// those of o.functions only when it is set.
func (e *env) functions() ([]function, error) {
	var out []function
	for _, fn := range e.large.Template.Functions {
		folder := filepath.Base(fn.CodeURI)
		if e.o.functions != nil && !slices.Contains(e.o.functions, folder) {
			continue
		}
		event, err := os.ReadFile(filepath.Join(e.root, "events", folder+".json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn.Name, err)
		}
		out = append(out, function{name: fn.Name, folder: folder, event: event})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no function matches -functions %v", e.o.functions)
	}
	slices.SortFunc(out, func(a, b function) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// build runs the Makefile's build target for this machine's architecture,
// so the bootstraps are built with exactly the flags of a deployment.
func build(ctx context.Context, root, dir string, fns []function, p *progress) error {
	folders := make([]string, len(fns))
	for i := range fns {
		folders[i] = fns[i].folder
		fns[i].bootstrap = filepath.Join(dir, fns[i].folder, "bootstrap")
	}
	p.logf("building %d bootstrap(s): make build ARCH=%s", len(fns), runtime.GOARCH)
	cmd := exec.CommandContext(ctx, "make", "-s", "build", "ARCH="+runtime.GOARCH, "BUILD_DIR="+dir,
		"FUNCTIONS="+strings.Join(folders, " "))
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make build: %w\n%s", err, out.String())
	}
	return nil
}

// coldRun is one start of a function.
type coldRun struct {
	init     time.Duration
	peakRSS  int64       // after the invocations
	statuses map[int]int // the HTTP statuses answered (0 for a non-HTTP answer)
}

// startFunction starts the function's bootstrap under a Runtime API of its
// own and times its init. With invocations > 0 it then serves that many
// invocations of the fixture (counted on bar) and reads the peak RSS.
func (e *env) startFunction(ctx context.Context, f function, invocations int, bar *bar) (coldRun, error) {
	var run coldRun
	api, err := newRuntimeAPI(f)
	if err != nil {
		return run, err
	}
	defer api.close()
	cmd := exec.Command(f.bootstrap)
	cmd.Env = e.lambdaEnv(f, api.addr)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited //nolint:errcheck // killed: its exit error says only that
	}()
	fail := func(err error) (coldRun, error) {
		return run, fmt.Errorf("%s: %w\n%s", f.name, err, stderr.String())
	}
	var first time.Time
	select {
	case first = <-api.firstNext:
	case err := <-exited:
		exited <- err
		return fail(fmt.Errorf("exited before asking for work: %w", err))
	case err := <-api.initError:
		return fail(fmt.Errorf("init error: %s", err))
	case <-time.After(10 * time.Second):
		return fail(errors.New("did not ask for work within 10s"))
	case <-ctx.Done():
		return run, ctx.Err()
	}
	run.init = first.Sub(start)
	if invocations == 0 {
		return run, nil
	}
	run.statuses = map[int]int{}
	for range invocations {
		api.work <- struct{}{}
		select {
		case r := <-api.results:
			if r.err != "" {
				return fail(fmt.Errorf("invocation error: %s", r.err))
			}
			run.statuses[r.status]++
		case err := <-exited:
			exited <- err
			return fail(fmt.Errorf("exited during an invocation: %w", err))
		case <-time.After(10 * time.Second):
			return fail(errors.New("an invocation did not answer within 10s"))
		case <-ctx.Done():
			return run, ctx.Err()
		}
		bar.add(1)
	}
	if run.peakRSS, err = peakRSS(cmd.Process.Pid); err != nil {
		return fail(err)
	}
	return run, nil
}

// lambdaEnv is the environment Lambda gives a provided.al2023 function,
// pointed at the bench's Runtime API and table.
func (e *env) lambdaEnv(f function, runtimeAPI string) []string {
	cfg := e.large.Config
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME=" + f.name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + f.name,
		"AWS_LAMBDA_LOG_STREAM_NAME=bench",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "LOCAL_MODE=1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=local",
		"_HANDLER=bootstrap", "LAMBDA_TASK_ROOT=" + filepath.Dir(f.bootstrap),
		"TZ=:UTC", "LANG=en_US.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin",
		"TABLE_NAME=" + cfg.TableName, "DYNAMODB_ENDPOINT=" + cfg.Endpoint,
		"LIST_SHARDS=" + strconv.Itoa(cfg.ListShards),
		"RETENTION_DAYS=" + strconv.Itoa(cfg.RetentionDays),
		// PublishProfileEvents' fixture makes four events an invocation: not
		// for the developer's events file.
		"EVENTS_FILE=" + os.DevNull,
	}
}

// peakRSS is the process's peak resident set size (VmHWM).
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/<pid>/status")
}
