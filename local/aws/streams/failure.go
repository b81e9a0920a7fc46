package streams

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FailureRecord is the message Lambda sends to a stream source's
// on-failure destination ("Retaining discarded records", Lambda developer
// guide: the invocation record of a DynamoDB stream): in AWS the body of a
// message in the on-failure queue, locally a line of the failures file.
type FailureRecord struct {
	RequestContext struct {
		RequestID              string `json:"requestId,omitempty"`
		FunctionARN            string `json:"functionArn,omitempty"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	} `json:"responseContext"`
	Version            string    `json:"version"`
	Timestamp          time.Time `json:"timestamp"`
	DDBStreamBatchInfo Discarded `json:"DDBStreamBatchInfo"`
}

// failureRecord is the message of a discarded batch, sent at now.
func failureRecord(d Discarded, now time.Time) FailureRecord {
	var r FailureRecord
	r.RequestContext.Condition = d.Condition
	r.ResponseContext.StatusCode = 200
	r.ResponseContext.ExecutedVersion = "$LATEST"
	r.Version = "1.0"
	r.Timestamp = now.UTC()
	r.DDBStreamBatchInfo = d
	return r
}

// Failure is one waiting on-failure record, and what its source needs to
// delete it (an SQS receipt handle, a line of the file).
type Failure struct {
	Record FailureRecord
	Handle string
}

// Failures is where the on-failure records wait: the on-failure queue, or
// locally a file.
type Failures interface {
	// Receive is every record waiting now.
	Receive(ctx context.Context) ([]Failure, error)
	// Delete removes one record, once its batch is published.
	Delete(ctx context.Context, f Failure) error
	// String names the source in what the redrive prints.
	String() string
}

// FailureFile is the local on-failure destination: a file of
// FailureRecords, one JSON line each.
type FailureFile struct {
	path string
	mu   sync.Mutex
}

// DefaultFailureFile is where make run's event source appends the batches
// it gives up on, and where make redrive reads them.
const DefaultFailureFile = ".local/stream-failures.jsonl"

// NewFailureFile is the failures file at path.
func NewFailureFile(path string) *FailureFile { return &FailureFile{path: path} }

func (f *FailureFile) String() string { return f.path }

// Append is an OnFailure for a Poller: it appends the batch's record, and
// logs it, as the default OnFailure does.
func (f *FailureFile) Append(d Discarded) {
	slog.Error("stream batch given up after its retries: make redrive publishes it", "file", f.path,
		"shardId", d.ShardID, "startSequenceNumber", d.StartSequenceNumber, "endSequenceNumber", d.EndSequenceNumber,
		"batchSize", d.BatchSize)
	if err := f.append(failureRecord(d, time.Now())); err != nil {
		slog.Error("record the given-up batch", "file", f.path, "error", err)
	}
}

func (f *FailureFile) append(r FailureRecord) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.path), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.Write(append(line, '\n')); err != nil {
		return errors.Join(err, out.Close())
	}
	return out.Close()
}

// Receive reads every record of the file; none when it does not exist.
func (f *FailureFile) Receive(context.Context) ([]Failure, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, err := f.lines()
	var out []Failure
	for i, line := range lines {
		var r FailureRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", f.path, i+1, err)
		}
		out = append(out, Failure{Record: r, Handle: string(line)})
	}
	return out, err
}

// Delete rewrites the file without the record's line. The file is read
// again first, so lines appended since Receive stay.
func (f *FailureFile) Delete(_ context.Context, gone Failure) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, err := f.lines()
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	deleted := false
	for _, line := range lines {
		if !deleted && string(line) == gone.Handle {
			deleted = true
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if !deleted {
		return nil
	}
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, keep.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, f.path)
}

// lines are the file's non-empty lines.
func (f *FailureFile) lines() ([][]byte, error) {
	raw, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	return lines, sc.Err()
}
