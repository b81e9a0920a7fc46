package bulk

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// BatchKey is the Idempotency-Key of batch number n (from 0) of a file
// whose content has SHA-256 sum, imported with settings (its format, match
// mode and batch size): the same file, settings and batch always send the
// same key, so a batch sent again, by a retry or a resumed import, replays
// its first answer or lands its items once. Any other file or batch sends
// another key.
func BatchKey(sum [sha256.Size]byte, settings string, n int) string {
	h := sha256.New()
	h.Write(sum[:])
	h.Write([]byte{0})
	h.Write([]byte(settings))
	return "import-" + hex.EncodeToString(h.Sum(nil)[:16]) + "-" + strconv.Itoa(n)
}

// checkpointHeader is the first line of a checkpoint file: what it is the
// checkpoint of.
type checkpointHeader struct {
	SHA256   string `json:"sha256"`
	Settings string `json:"settings"`
}

// ack is a line of the checkpoint file: a batch acknowledged, every item
// with its final answer (success, or a problem the error file holds).
type ack struct {
	Batch     int `json:"batch"`
	Rows      int `json:"rows"` // the lines the batch covers, bad ones included
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
}

// checkpoint is an open checkpoint file and the batches it acknowledges.
type checkpoint struct {
	f     *os.File
	acked map[int]ack
}

// openCheckpoint opens path, the checkpoint of the file with sum imported
// with settings: resumed when it exists (it must be this file's and
// settings'), started when it does not.
func openCheckpoint(path string, sum [sha256.Size]byte, settings string) (*checkpoint, bool, error) {
	want := checkpointHeader{SHA256: hex.EncodeToString(sum[:]), Settings: settings}
	path = filepath.Clean(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return nil, false, err
		}
		c := &checkpoint{f: f, acked: map[int]ack{}}
		return c, false, c.append(want)
	}
	if err != nil {
		return nil, false, err
	}
	acked, err := readCheckpoint(f, want)
	if err == nil {
		err = endLine(f)
	}
	if err != nil {
		_ = f.Close()
		return nil, false, fmt.Errorf("bulk: checkpoint %s: %w", path, err)
	}
	return &checkpoint{f: f, acked: acked}, true, nil
}

// readCheckpoint reads the batches a checkpoint acknowledges, after
// checking its header is want. A last line cut short (a crash while it was
// written) is not an acknowledgement.
func readCheckpoint(r io.Reader, want checkpointHeader) (map[int]ack, error) {
	s := bufio.NewScanner(r)
	if !s.Scan() {
		if s.Err() != nil {
			return nil, s.Err()
		}
		return nil, errors.New("empty: delete it to start the import over")
	}
	var h checkpointHeader
	if err := json.Unmarshal(s.Bytes(), &h); err != nil || h != want {
		return nil, fmt.Errorf("is another import's (file SHA-256 %.12s…, %s; this one is %.12s…, %s): "+
			"delete it to start over, or give the file and settings it was made with", h.SHA256, h.Settings, want.SHA256, want.Settings)
	}
	acked := map[int]ack{}
	for s.Scan() {
		var a ack
		if json.Unmarshal(s.Bytes(), &a) == nil {
			acked[a.Batch] = a
		}
	}
	return acked, s.Err()
}

// endLine ends a last line that a crash cut short, so the next line
// appended stands on its own.
func endLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	_, err = f.Write([]byte{'\n'})
	return err
}

// append writes one line and syncs it: once append returns, the line
// survives a crash.
func (c *checkpoint) append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := c.f.Write(append(b, '\n')); err != nil {
		return err
	}
	return c.f.Sync()
}

// acknowledge records batch a as done.
func (c *checkpoint) acknowledge(a ack) error {
	if err := c.append(a); err != nil {
		return fmt.Errorf("bulk: checkpoint: %w", err)
	}
	c.acked[a.Batch] = a
	return nil
}

func (c *checkpoint) close() error { return c.f.Close() }
