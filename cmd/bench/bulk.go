package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/shared/profile"
)

const bulkSection = "bulk"

// The targets of the bulk section.
const (
	importVersusDirect = 0.5 // make import's throughput ÷ local/bulkload's
	rssFlat            = 1.2 // peak RSS at N ÷ at N/10
)

// bulkRun is what one run of cmd/bulk, a process of its own, took.
type bulkRun struct {
	wall time.Duration
	rss  int64 // peak RSS (ru_maxrss)
	runs int   // an import's runs: 1, or more when it was resumed
}

// bulk imports -bulk profiles (two contacts each) through the API with
// make import's command, and loads the same profiles into another table of
// the same DynamoDB Local with local/bulkload: the throughputs and their
// ratio. The importer and the exporter run as processes of their own, at
// -bulk/10 and -bulk profiles, so their peak RSS is theirs alone.
func bulkImport(ctx context.Context, e *env, rep *report, p *progress) error {
	n := e.o.bulk
	dir, err := os.MkdirTemp("", "bench-bulk-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bulk")
	p.logf("bulk: building cmd/bulk")
	build := exec.CommandContext(e.interrupt, "go", "build", "-o", bin, "./cmd/bulk")
	build.Dir, build.Stderr = e.root, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/bulk: %w", err)
	}
	base := time.Now().Add(-time.Hour)
	imports, exports := map[int]bulkRun{}, map[int]bulkRun{}
	for _, size := range []int{n / 10, n} {
		path := filepath.Join(dir, fmt.Sprintf("profiles-%d.ndjson", size))
		if err := writeBulkFile(path, size); err != nil {
			return err
		}
		cfg := e.cfg
		cfg.TableName = fmt.Sprintf("%s-bulk-%d", e.cfg.TableName, size)
		t, err := startTable(ctx, e.root, cfg, p)
		if err != nil {
			return err
		}
		p.logf("bulk: make import of %s profiles through the API, a process of its own", count(size))
		imports[size], err = e.importResumed(ctx, bin, t.url, path, p)
		if err == nil {
			p.logf("bulk: make export of those %s profiles", count(size))
			exports[size], err = e.runBulk(ctx, bin, t.url, func(out string) error { return checkLines(out, size) }, "export")
		}
		t.close()
		if err != nil {
			return err
		}
	}
	cfg := e.cfg
	cfg.TableName = e.cfg.TableName + "-bulk-direct"
	t, err := startTable(ctx, e.root, cfg, p)
	if err != nil {
		return err
	}
	defer t.close()
	p.logf("bulk: local/bulkload of the same %s profiles into the same DynamoDB Local", count(n))
	start := time.Now()
	if err := loadBulk(ctx, t, n, base, e.o.loaders, p); err != nil {
		return err
	}
	direct := time.Since(start)
	imp, exp := imports[n], exports[n]
	perSec := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	ratio := perSec(imp.wall) / perSec(direct)
	rep.add(bulkSection, fmt.Sprintf("make import of %s profiles (2 contacts) through the API: throughput", count(n)),
		fmt.Sprintf("%.0f profiles/s in %d run(s) (a run after the first resumes rows a 503 left unsure)", perSec(imp.wall), imp.runs))
	rep.add(bulkSection, fmt.Sprintf("local/bulkload of the same %s into the same DynamoDB Local: throughput", count(n)), fmt.Sprintf("%.0f profiles/s", perSec(direct)))
	rep.check(bulkSection, "make import ÷ local/bulkload, throughput", times(ratio), "≥ ×"+num(importVersusDirect), ratio >= importVersusDirect)
	small := n / 10
	for _, r := range []struct {
		what string
		runs map[int]bulkRun
	}{{"importer", imports}, {"exporter", exports}} {
		growth := float64(r.runs[n].rss) / float64(max(r.runs[small].rss, 1))
		rep.check(bulkSection, fmt.Sprintf("%s peak RSS at %s / %s profiles", r.what, count(small), count(n)),
			fmt.Sprintf("%s / %s (%s)", mib(r.runs[small].rss), mib(r.runs[n].rss), times(growth)), "≤ ×"+num(rssFlat), growth <= rssFlat)
	}
	rep.add(bulkSection, fmt.Sprintf("make export of %s profiles: throughput", count(n)), fmt.Sprintf("%.0f profiles/s", perSec(exp.wall)))
	return nil
}

// importResumes bounds how often the bench runs an import again after it
// exited with rows of no sure answer (503s of a DynamoDB Local that
// serialises transactions), as an operator would: the rerun resumes from
// the checkpoint with the same keys.
const importResumes = 5

// importResumed runs make import's command on path until it has an answer
// for every row, as an operator resumes one: its wall time and peak RSS
// over every run, and how many runs it took.
func (e *env) importResumed(ctx context.Context, bin, url, path string, p *progress) (bulkRun, error) {
	var total bulkRun
	for run := 1; ; run++ {
		r, err := e.runBulk(ctx, bin, url, nil, "import", "-rate", "0", path)
		total.wall += r.wall
		total.rss = max(total.rss, r.rss)
		total.runs = run
		var exit *exec.ExitError
		switch {
		case err == nil:
			return total, nil
		case !errors.As(err, &exit) || run == importResumes || !strings.Contains(err.Error(), "run the import again"):
			return total, err
		}
		p.logf("bulk: the import left rows without a sure answer; resuming it (run %d)", run+1)
	}
}

// runBulk runs cmd/bulk against the API at url with the admin token (in
// its environment, as make passes it), and its wall time and peak RSS.
// check, when set, reads what it wrote on stdout (a file's path).
func (e *env) runBulk(ctx context.Context, bin, url string, check func(stdout string) error, args ...string) (bulkRun, error) {
	out := filepath.Join(filepath.Dir(bin), "stdout")
	f, err := os.Create(out)
	if err != nil {
		return bulkRun{}, err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "BASE_URL="+url, "TOKEN="+e.token)
	cmd.Stdout, cmd.Dir = f, e.root
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	run := bulkRun{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			run.rss = ru.Maxrss << 10 // kilobytes on Linux
		}
	}
	if err != nil {
		return run, fmt.Errorf("bulk %s: %w\n%s", args[0], err, stderr.String())
	}
	if check != nil {
		return run, check(out)
	}
	return run, nil
}

// limitedBuffer keeps the last 4 KiB written: a failed command's stderr.
type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > 4<<10 {
		b.buf = b.buf[len(b.buf)-4<<10:]
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// bulkInput is profile i of the bulk section: two contacts, every value
// of a fixed width.
func bulkInput(i int) profile.Input {
	str := func(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }
	return profile.Input{
		Changes: profile.Changes{
			FirstName: str(fmt.Sprintf("Bulk%07d", i)), LastName: str(fmt.Sprintf("Import%07d", i)),
			CountryCode: str("554"), Enabled: profile.Field[bool]{Set: true, Value: true},
		},
		Contacts: []profile.ContactChanges{
			{Key: str(profile.KeyEmail), Value: str(fmt.Sprintf("bulk%07d@bench.example", i))},
			{Key: str(profile.KeyPhone), Value: str(fmt.Sprintf("+6423%07d", i))},
		},
	}
}

// writeBulkFile writes profiles 0 to n-1 as make import reads them.
func writeBulkFile(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range n {
		in := bulkInput(i)
		line := map[string]any{"firstName": in.FirstName.Value, "lastName": in.LastName.Value,
			"countryNumericCode": in.CountryCode.Value, "enabled": true, "contacts": []map[string]string{
				{"key": "email", "value": in.Contacts[0].Value.Value}, {"key": "phone", "value": in.Contacts[1].Value.Value}}}
		if err := enc.Encode(line); err != nil {
			_ = f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// loadBulk loads profiles 0 to n-1 into t with local/bulkload on workers
// goroutines, building each chunk as it goes (the profiles are not held).
func loadBulk(ctx context.Context, t *table, n int, base time.Time, workers int, p *progress) error {
	bar := p.bar("bulkload", "profiles", n)
	defer bar.done()
	chunks := (n + loadChunk - 1) / loadChunk
	return parallel(ctx, chunks, workers, func(ctx context.Context, c int) error {
		from := c * loadChunk
		chunk := make([]*profile.Profile, 0, loadChunk)
		for i := from; i < min(from+loadChunk, n); i++ {
			pr, err := profile.New(bulkInput(i), base.Add(time.Duration(i)*time.Millisecond))
			if err != nil {
				return err
			}
			chunk = append(chunk, pr)
		}
		if err := bulkload.Load(ctx, t.bulk, chunk); err != nil {
			return fmt.Errorf("bulkload: %w", err)
		}
		bar.add(len(chunk))
		return nil
	})
}

// checkLines fails unless the file at path has n lines.
func checkLines(path string, n int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	lines := 0
	for s.Scan() {
		lines++
	}
	if err := s.Err(); err != nil {
		return err
	}
	if lines != n {
		return fmt.Errorf("export wrote %d profiles, want %d", lines, n)
	}
	return nil
}
