package profileevents

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// File is the local bus: it appends each event to a file as one JSON line,
// as the event would be put on the bus (id, source, detail-type, time,
// detail), and logs the line (with personal data masked, as every log).
type File struct {
	path string
	mu   sync.Mutex
}

// NewFile is a File sink appending to path; it creates the file and its
// folder on the first event.
func NewFile(path string) *File { return &File{path: path} }

// Publish appends the events in order.
func (f *File) Publish(ctx context.Context, events []Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.path), 0o750); err != nil {
		return 0, err
	}
	// Opened per batch, so a developer may delete or rotate the file at will.
	out, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	for i, ev := range events {
		line, err := json.Marshal(ev)
		if err != nil {
			return i, errors.Join(err, out.Close())
		}
		if _, err := out.Write(append(line, '\n')); err != nil {
			return i, errors.Join(err, out.Close())
		}
		slog.InfoContext(ctx, "event", "line", string(line))
	}
	if err := out.Close(); err != nil {
		// Whether the lines reached the file is unknown: the batch is
		// published again rather than lost.
		return 0, err
	}
	return len(events), nil
}
