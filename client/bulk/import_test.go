package bulk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/wait"
)

func TestBatchKey(t *testing.T) {
	t.Parallel()
	a, b := sha256.Sum256([]byte("file a")), sha256.Sum256([]byte("file b"))
	const s = "format=ndjson match=auto batch=100"
	if k1, k2 := BatchKey(a, s, 7), BatchKey(a, s, 7); k1 != k2 {
		t.Fatal("the same file, settings and batch gave two keys")
	}
	seen := map[string]string{}
	for _, c := range []struct {
		name string
		key  string
	}{
		{"a 7", BatchKey(a, s, 7)}, {"a 8", BatchKey(a, s, 8)}, {"a 70", BatchKey(a, s, 70)},
		{"b 7", BatchKey(b, s, 7)}, {"a 7 match uuid", BatchKey(a, "format=ndjson match=uuid batch=100", 7)},
	} {
		if other, ok := seen[c.key]; ok {
			t.Errorf("%s and %s share the key %s", c.name, other, c.key)
		}
		seen[c.key] = c.name
		if len(c.key) > 255 || strings.ContainsAny(c.key, ", \t") {
			t.Errorf("%s: key %q is not a valid Idempotency-Key", c.name, c.key)
		}
	}
}

// profilesFile is n NDJSON profiles named p0… with uuids (auto: upserts by
// uuid when uuid is set) or without (creates).
func profilesFile(t *testing.T, n int, uuid bool) string {
	t.Helper()
	lines := make([]string, n)
	for i := range lines {
		if uuid {
			lines[i] = fmt.Sprintf(`{"firstName":"p%d","uuid":"u-%d"}`, i, i)
		} else {
			lines[i] = fmt.Sprintf(`{"firstName":"p%d"}`, i)
		}
	}
	return ndjsonFile(t, "profiles.ndjson", lines...)
}

// checkExactly fails unless the fake holds p0…p(n-1) once each, and
// nothing else.
func checkExactly(t *testing.T, f *fakeBatchAPI, n int) {
	t.Helper()
	got := f.firstNames()
	for i := range n {
		if c := got[fmt.Sprintf("p%d", i)]; c != 1 {
			t.Errorf("p%d stored %d times, want once", i, c)
		}
	}
	if len(got) != n {
		t.Errorf("%d distinct profiles stored, want %d", len(got), n)
	}
}

// ackedBatches is how many batches the checkpoint at path acknowledges.
func ackedBatches(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return max(bytes.Count(b, []byte("\n"))-1, 0)
}

func fastClient(url string) *client.Client {
	return client.New(url, client.WithBearerToken("t"), client.WithBackoff(time.Millisecond, 5*time.Millisecond))
}

// An import stopped once a batch is acknowledged, with later batches
// landed but unanswered, resumes to exactly the file's profiles: the
// acknowledged batches are not sent again, the others are sent with the
// same keys, whose per-item records replay what landed.
func TestImportResumesWithoutDoubles(t *testing.T) {
	t.Parallel()
	for _, uuids := range []bool{false, true} {
		t.Run(fmt.Sprintf("uuids=%v", uuids), func(t *testing.T) {
			t.Parallel()
			f := newFakeBatchAPI()
			answered := 0
			f.block = func(r *http.Request, key string) {
				// The first two batches answer; the others land, then hang
				// until the import is stopped: their answers are lost.
				f.mu.Lock()
				answered++
				n := answered
				f.mu.Unlock()
				if n > 2 {
					<-r.Context().Done()
				}
			}
			srv := f.start(t)
			path := profilesFile(t, 95, uuids)
			o := Options{BatchSize: 10, Concurrency: 3, Rate: -1}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := Import(ctx, fastClient(srv.URL), path, o)
				done <- err
			}()
			wait.For(t, "a batch acknowledged in the checkpoint", func() (bool, string) {
				n := ackedBatches(t, path+".checkpoint")
				return n >= 1, fmt.Sprintf("%d batches acknowledged", n)
			})
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("the stopped import returned %v, want context.Canceled", err)
			}
			first := ackedBatches(t, path+".checkpoint")
			if first >= 10 {
				t.Fatalf("all %d batches acknowledged before the stop: nothing left to resume", first)
			}
			f.mu.Lock()
			f.block = nil
			f.mu.Unlock()
			sum, err := Import(context.Background(), fastClient(srv.URL), path, o)
			if err != nil {
				t.Fatal(err)
			}
			if !sum.FromCheckpoint || sum.Resumed != 10*first || sum.Rows+sum.Resumed != 95 || sum.Failed != 0 {
				t.Errorf("resumed summary %+v, want %d rows resumed of 95, none failed", sum, 10*first)
			}
			checkExactly(t, f, 95)
			for k, n := range f.sent() {
				if n > 2 {
					t.Errorf("key %s sent %d times, want at most twice (stopped, resumed)", k, n)
				}
			}
			if got := ackedBatches(t, path+".checkpoint"); got != 10 {
				t.Errorf("%d batches acknowledged, want 10", got)
			}
		})
	}
}

// An item that answers outcome-unknown makes the importer send its batch
// again with the same key; its write landed once.
func TestImportResendsOutcomeUnknownWithTheSameKey(t *testing.T) {
	t.Parallel()
	f := newFakeBatchAPI()
	srv := f.start(t)
	path := ndjsonFile(t, "p.ndjson", `{"firstName":"p0"}`, `{"firstName":"UNKNOWN-ONCE"}`, `{"firstName":"p1"}`)
	sum, err := Import(context.Background(), fastClient(srv.URL), path, Options{Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 3 || sum.Failed != 0 || sum.Batches != 1 {
		t.Errorf("summary %+v, want 3 created in 1 batch", sum)
	}
	if got := f.firstNames(); got["UNKNOWN-ONCE"] != 1 || len(got) != 3 {
		t.Errorf("stored %v, want each of the three once", got)
	}
	sent := f.sent()
	if len(sent) != 1 {
		t.Fatalf("keys sent %v, want one key", sent)
	}
	for k, n := range sent {
		if n != 2 {
			t.Errorf("key %s sent %d times, want 2 (the outcome-unknown, then its resend)", k, n)
		}
	}
}

// Rows the file holds badly and rows the API refuses go to the error file
// with their line and problem; the batch is acknowledged all the same.
func TestImportErrorFile(t *testing.T) {
	t.Parallel()
	f := newFakeBatchAPI()
	srv := f.start(t)
	path := ndjsonFile(t, "p.ndjson", `{"firstName":"p0"}`, `{"firstName":"INVALID"}`, `oops`, `{"firstName":"p1"}`)
	sum, err := Import(context.Background(), fastClient(srv.URL), path, Options{Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 2 || sum.Failed != 2 || sum.Rows != 4 || sum.Batches != 1 {
		t.Errorf("summary %+v, want 2 created, 2 failed of 4 rows, 1 batch", sum)
	}
	b, err := os.ReadFile(path + ".errors.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var got []RowFailure
	for l := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var rf RowFailure
		if err := json.Unmarshal([]byte(l), &rf); err != nil {
			t.Fatalf("error file line %q: %v", l, err)
		}
		got = append(got, rf)
	}
	if len(got) != 2 {
		t.Fatalf("error file has %d lines, want 2:\n%s", len(got), b)
	}
	if g := got[0]; g.Line != 3 || g.Status != 0 || g.Row != "oops" || !strings.Contains(g.Detail, "not a Profile object") {
		t.Errorf("unreadable row's failure %+v, want line 3, no status, its row and why", g)
	}
	if g := got[1]; g.Line != 2 || g.Status != 400 || g.Type != client.ProblemValidation || len(g.Errors) != 1 ||
		g.Errors[0].Field != "firstName" || g.Row != `{"firstName":"INVALID"}` {
		t.Errorf("refused row's failure %+v, want line 2, the 400 validation naming firstName, its row", g)
	}
	if ackedBatches(t, path+".checkpoint") != 1 {
		t.Error("the batch with failed rows is not acknowledged")
	}
}

// A checkpoint is its file's: another file, or other settings, is refused
// before anything is sent.
func TestCheckpointOfAnotherImportRefused(t *testing.T) {
	t.Parallel()
	f := newFakeBatchAPI()
	srv := f.start(t)
	path := profilesFile(t, 3, false)
	if _, err := Import(context.Background(), fastClient(srv.URL), path, Options{Rate: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(context.Background(), fastClient(srv.URL), path, Options{Rate: -1, Match: MatchCreate}); err == nil ||
		!strings.Contains(err.Error(), "another import's") {
		t.Errorf("resume with another -match: err = %v, want the checkpoint refused", err)
	}
	if err := os.WriteFile(path, []byte(`{"firstName":"changed"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(context.Background(), fastClient(srv.URL), path, Options{Rate: -1}); err == nil {
		t.Error("a changed file resumed from the old file's checkpoint")
	}
	if n := len(f.sent()); n != 1 {
		t.Errorf("%d keys sent, want only the first import's", n)
	}
}

func TestReadCheckpoint(t *testing.T) {
	t.Parallel()
	h := checkpointHeader{SHA256: "ab", Settings: "s"}
	head := `{"sha256":"ab","settings":"s"}` + "\n"
	cases := []struct {
		name    string
		in      string
		want    []int
		wantErr string
	}{
		{"acknowledged batches, in any order", head + `{"batch":2,"rows":10}` + "\n" + `{"batch":0,"rows":10}` + "\n", []int{0, 2}, ""},
		{"a last line cut short is no acknowledgement", head + `{"batch":1,"rows":10}` + "\n" + `{"batch":3,"ro`, []int{1}, ""},
		{"another file's", `{"sha256":"cd","settings":"s"}` + "\n", nil, "another import's"},
		{"empty", "", nil, "empty"},
	}
	for _, tc := range cases {
		got, err := readCheckpoint(strings.NewReader(tc.in), h)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("%s: %v, %v; want batches %v", tc.name, got, err, tc.want)
		}
		for _, n := range tc.want {
			if _, ok := got[n]; !ok {
				t.Errorf("%s: batch %d not acknowledged", tc.name, n)
			}
		}
	}
}

// The pace holds the rows a second under the rate asked, whatever the
// concurrency: at 1,000 rows/s, 5 batches of 100 take at least 0.4 s.
func TestImportPacesBelowTheRate(t *testing.T) {
	t.Parallel()
	f := newFakeBatchAPI()
	srv := f.start(t)
	path := profilesFile(t, 500, false)
	start := time.Now()
	if _, err := Import(context.Background(), fastClient(srv.URL), path, Options{Rate: 1000, Concurrency: 5}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("500 rows at 1,000 rows/s took %v, want at least 400ms", d)
	}
	checkExactly(t, f, 500)
}
