package bulk

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/client/bulk/progress"
)

// DefaultRate is the rows a second an import sends unless told otherwise:
// half of what the hottest list-index partition of a table with one list
// shard takes from updates, so interactive writes keep the other half
// (docs/performance.md, "Bulk import: the rate the indexes take").
const DefaultRate = 250

// DefaultConcurrency is how many batches an import keeps in flight.
const DefaultConcurrency = 4

// Options are an import's settings; the zero value is the defaults.
type Options struct {
	// Format is the file's; "" is FormatOf(path).
	Format Format
	// Match is how a row without a profileId finds its profile (a Match
	// constant); "" is MatchAuto.
	Match string
	// Concurrency is the most batches in flight; 0 is DefaultConcurrency.
	Concurrency int
	// Rate is the most rows a second sent; 0 is DefaultRate, and a
	// negative rate sends as fast as the answers come.
	Rate float64
	// BatchSize is the rows a batch; 0 is client.BatchLimit.
	BatchSize int
	// Checkpoint is the checkpoint file; "" is the file's path plus
	// ".checkpoint". An import finding it resumes.
	Checkpoint string
	// ErrorFile is where the failed rows go, one JSON object a line
	// (RowFailure); "" is the file's path plus ".errors.ndjson".
	ErrorFile string
	// Progress gets the progress report; nil reports nothing.
	Progress io.Writer
	// Terminal draws the progress as a bar (see progress.IsTerminal).
	Terminal bool
	// Attempts is how many times a batch is sent while its answer is
	// 429, 5xx or none, or any of its items' is (with the same key, after
	// a backoff); 0 is 8.
	Attempts int
}

func (o Options) withDefaults(path string) (Options, error) {
	if o.Format == "" {
		o.Format = FormatOf(path)
	}
	if o.Match == "" {
		o.Match = MatchAuto
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.BatchSize <= 0 {
		o.BatchSize = client.BatchLimit
	}
	if o.Checkpoint == "" {
		o.Checkpoint = path + ".checkpoint"
	}
	if o.ErrorFile == "" {
		o.ErrorFile = path + ".errors.ndjson"
	}
	if o.Attempts <= 0 {
		o.Attempts = 8
	}
	if o.BatchSize > client.BatchLimit {
		return o, fmt.Errorf("bulk: a batch takes at most %d rows, not %d", client.BatchLimit, o.BatchSize)
	}
	return o, checkMatch(o.Match)
}

// settings are what shapes the batches' bodies besides the file: part of
// the checkpoint's header and of every batch's key.
func (o Options) settings() string {
	return fmt.Sprintf("format=%s match=%s batch=%d", o.Format, o.Match, o.BatchSize)
}

// Summary is what an import did in this run.
type Summary struct {
	// Rows is the rows read and sent or failed in this run; Resumed the
	// rows of batches an earlier run had acknowledged, skipped.
	Rows, Resumed int
	// Created, Updated and Unchanged count the rows by their outcome;
	// Failed the rows written to the error file.
	Created, Updated, Unchanged, Failed int
	// Batches is the batches acknowledged in this run; Unacknowledged the
	// batches whose rows were not all answered for sure (a resume sends
	// them again, with the same key).
	Batches, Unacknowledged int
	// Resumed says the run went on from a checkpoint.
	FromCheckpoint bool
}

// batch is a batch of rows, what its request answered, and the rows that
// could not be read on its lines.
type batch struct {
	n       int
	rows    []Row // good rows, in the file's order
	bad     []Row // rows that could not be read
	results []client.BatchResult
	err     error // the batch got no answer
}

// Import sends the profiles of the file at path through c.Batch, as o
// says (see the package doc). It resends a batch itself (o.Attempts) and
// paces itself on a 429, so c is best made with client.WithRetry(1): a
// client that retries as well multiplies the attempts and hides the 429s
// from the pacing. It returns an error when the import stopped
// before the end of the file (what the checkpoint holds stays done: run
// it again to resume); rows that failed are in the error file and the
// summary.
func Import(ctx context.Context, c *client.Client, path string, o Options) (Summary, error) {
	var sum Summary
	o, err := o.withDefaults(path)
	if err != nil {
		return sum, err
	}
	digest, lines, err := hashFile(path)
	if err != nil {
		return sum, err
	}
	cp, resumed, err := openCheckpoint(o.Checkpoint, digest, o.settings())
	if err != nil {
		return sum, err
	}
	defer func() { _ = cp.close() }()
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if resumed {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	// The failed rows are personal data: the error file is the operator's alone.
	ef, err := os.OpenFile(filepath.Clean(o.ErrorFile), flags, 0o600)
	if err != nil {
		return sum, err
	}
	defer func() { _ = ef.Close() }()
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return sum, err
	}
	defer func() { _ = f.Close() }()
	rd, err := NewReader(f, o.Format, o.Match)
	if err != nil {
		return sum, err
	}
	if o.Format == CSV {
		lines--
	}
	im := &importer{c: c, o: o, digest: digest, pace: newPacer(o.Rate), errs: bufio.NewWriter(ef), errFile: ef, cp: cp}
	im.sum.FromCheckpoint = resumed
	if o.Progress != nil {
		im.prog = progress.New(o.Progress, "import "+path, int64(lines), progress.Options{Terminal: o.Terminal})
		defer im.prog.Done()
	}
	return im.run(ctx, rd, maps.Clone(cp.acked))
}

// importer is one run of Import.
type importer struct {
	c       *client.Client
	o       Options
	digest  [sha256.Size]byte
	pace    *pacer
	errs    *bufio.Writer
	errFile *os.File
	cp      *checkpoint
	prog    *progress.Reporter // nil: none
	sum     Summary
}

func (im *importer) run(ctx context.Context, rd *Reader, done map[int]ack) (Summary, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan *batch)
	results := make(chan *batch, im.o.Concurrency)
	var readErr error
	resumedRows := 0
	go func() {
		defer close(batches)
		readErr = readBatches(ctx, rd, im.o.BatchSize, func(b *batch) bool {
			if _, ok := done[b.n]; ok {
				resumedRows += len(b.rows) + len(b.bad)
				im.progress(len(b.rows) + len(b.bad))
				return true
			}
			select {
			case batches <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	workers := make(chan struct{})
	go func() {
		defer close(workers)
		defer close(results)
		sem := make(chan struct{}, im.o.Concurrency)
		for b := range batches {
			sem <- struct{}{}
			go func() {
				im.send(ctx, b)
				results <- b
				<-sem
			}()
		}
		for range im.o.Concurrency {
			sem <- struct{}{}
		}
	}()
	var failed error
	for b := range results {
		if err := im.collect(b); err != nil && failed == nil {
			failed = err
			cancel(err)
		}
	}
	<-workers
	im.sum.Resumed = resumedRows
	switch {
	case failed != nil:
		return im.sum, failed
	case readErr != nil && !errors.Is(readErr, context.Canceled):
		return im.sum, readErr
	case ctx.Err() != nil:
		return im.sum, context.Cause(ctx)
	}
	return im.sum, nil
}

// readBatches reads rd into batches of size good rows, numbered from 0,
// and hands each to emit until emit says to stop.
func readBatches(ctx context.Context, rd *Reader, size int, emit func(*batch) bool) error {
	b := &batch{}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			if len(b.rows)+len(b.bad) > 0 {
				emit(b)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if row.Err != nil {
			b.bad = append(b.bad, row)
			continue
		}
		b.rows = append(b.rows, row)
		if len(b.rows) == size {
			if !emit(b) {
				return ctx.Err()
			}
			b = &batch{n: b.n + 1}
		}
	}
}

// The backoff between the sends of a batch whose answer was transient.
const (
	backoffFirst = time.Second
	backoffMost  = 30 * time.Second
)

// send sends b with its key until every item has a final answer, or its
// attempts are spent, backing off (and slowing the pace) after a 429 or a
// 5xx. A batch without good rows sends nothing.
func (im *importer) send(ctx context.Context, b *batch) {
	if len(b.rows) == 0 {
		return
	}
	items := make([]client.BatchItem, len(b.rows))
	for i, r := range b.rows {
		items[i] = r.Item
	}
	opts := &client.BatchOptions{IdempotencyKey: BatchKey(im.digest, im.o.settings(), b.n)}
	wait := backoffFirst
	for attempt := 1; ; attempt++ {
		if err := im.pace.wait(ctx, len(items)); err != nil {
			b.err = err
			return
		}
		res, err := im.c.Batch(ctx, items, opts)
		b.results, b.err = res, err
		retry, after := false, time.Duration(0)
		if err != nil {
			retry = transient(err)
			var e *client.Error
			if errors.As(err, &e) {
				after = e.RetryAfter
			}
		}
		for _, r := range res {
			if r.Err != nil && transientStatus(r.Status) {
				retry, after = true, max(after, r.Err.RetryAfter)
			}
		}
		if !retry || attempt >= im.o.Attempts || ctx.Err() != nil {
			if err == nil {
				im.pace.recover()
			}
			return
		}
		im.pace.slow()
		d := max(wait/2+rand.N(wait/2+1), after) //nolint:gosec // G404: jitter needs spread, not unpredictability
		if sleep(ctx, d) != nil {
			return
		}
		wait = min(2*wait, backoffMost)
	}
}

// transient says whether a batch's error may pass if the batch is sent
// again with its key: a 429, a 5xx, or no answer.
func transient(err error) bool {
	var e *client.Error
	if errors.As(err, &e) {
		return transientStatus(e.Status)
	}
	var ne *client.NetworkError
	return errors.As(err, &ne) && !errors.Is(err, context.Canceled)
}

func transientStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// collect writes b's failed rows to the error file, counts its outcomes,
// and acknowledges it in the checkpoint when every row has its final
// answer. Its error ends the import.
func (im *importer) collect(b *batch) error {
	defer im.progress(len(b.rows) + len(b.bad))
	if b.err != nil {
		im.sum.Unacknowledged++
		return fmt.Errorf("bulk: batch %d (lines %d to %d): %w; run the import again to resume", b.n, firstLine(b), lastLine(b), b.err)
	}
	a := ack{Batch: b.n, Rows: len(b.rows) + len(b.bad)}
	final := true
	for _, r := range b.bad {
		im.writeFailure(RowFailure{Line: r.Line, Title: "Unreadable row", Detail: r.Err.Error(), Row: r.Raw})
		a.Failed++
	}
	for i, res := range b.results {
		switch res.Outcome {
		case client.OutcomeCreated:
			a.Created++
		case client.OutcomeUpdated:
			a.Updated++
		case client.OutcomeUnchanged:
			a.Unchanged++
		default:
			a.Failed++
			final = final && !(res.Err != nil && transientStatus(res.Status))
			im.writeFailure(failureOf(b.rows[i], res))
		}
	}
	im.sum.Rows += a.Rows
	im.sum.Created += a.Created
	im.sum.Updated += a.Updated
	im.sum.Unchanged += a.Unchanged
	im.sum.Failed += a.Failed
	if err := im.flushErrors(); err != nil {
		return err
	}
	if !final {
		im.sum.Unacknowledged++
		return nil
	}
	im.sum.Batches++
	return im.cp.acknowledge(a)
}

func (im *importer) progress(n int) {
	if im.prog != nil {
		im.prog.Add(n)
	}
}

// flushErrors puts the error lines written so far on disk, before the
// checkpoint acknowledges their batch.
func (im *importer) flushErrors() error {
	if im.errs.Buffered() == 0 {
		return nil
	}
	if err := im.errs.Flush(); err != nil {
		return fmt.Errorf("bulk: error file: %w", err)
	}
	return im.errFile.Sync()
}

// hashFile is the SHA-256 of the file's content and its count of lines.
func hashFile(path string) ([sha256.Size]byte, int, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return sum, 0, err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	lines, last := 0, byte('\n')
	buf := make([]byte, 256<<10)
	for {
		n, err := f.Read(buf)
		chunk := buf[:n]
		h.Write(chunk)
		lines += bytes.Count(chunk, []byte("\n"))
		if len(chunk) > 0 {
			last = chunk[len(chunk)-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, 0, err
		}
	}
	if last != '\n' {
		lines++
	}
	copy(sum[:], h.Sum(nil))
	return sum, lines, nil
}

func firstLine(b *batch) int {
	l := 0
	for _, r := range append(b.rows[:len(b.rows):len(b.rows)], b.bad...) {
		if l == 0 || r.Line < l {
			l = r.Line
		}
	}
	return l
}

func lastLine(b *batch) int {
	l := 0
	for _, r := range append(b.rows[:len(b.rows):len(b.rows)], b.bad...) {
		l = max(l, r.Line)
	}
	return l
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
