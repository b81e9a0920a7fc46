package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/client/bulk"
	"github.com/profiles-service/profiles/local/wait"
	"github.com/profiles-service/profiles/shared/views"
)

// bulkFile writes n NDJSON profiles of run, two contacts each; every
// third has a uuid (auto: an upsert by uuid), the others are creates.
func bulkFile(t *testing.T, run string, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		uuid := "null"
		if i%3 == 0 {
			uuid = fmt.Sprintf(`"%s-%04d"`, run, i)
		}
		fmt.Fprintf(&b, `{"firstName":"Bulk","lastName":"%s%04d","enabled":true,"countryNumericCode":"554","uuid":%s,`+
			`"contacts":[{"key":"email","value":"%s%04d@bulk.example"},{"key":"phone","value":"+6421%07d"}]}`+"\n", run, i, uuid, run, i, i)
	}
	path := filepath.Join(t.TempDir(), run+".ndjson")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// exportLines is every profile of the table, by the export, as lines.
func exportLines(t *testing.T, c *client.Client) []string {
	t.Helper()
	var out bytes.Buffer
	if _, err := bulk.Export(context.Background(), c, &out, bulk.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// An import stopped once its checkpoint holds an acknowledged batch, then
// resumed, leaves exactly the file's profiles: none missing, none twice.
func TestImportKilledAndResumed(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := client.New(a.stack.URL, client.WithBearerToken(a.token))
	// Six batches of 15, paced at 30 rows/s, a batch every half second: the
	// stop comes after the first acknowledgement and before the last batch.
	const n, size = 90, 15
	path := bulkFile(t, "kill", n)
	o := bulk.Options{Rate: 30, Concurrency: 2, BatchSize: size}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := bulk.Import(ctx, c, path, o)
		done <- err
	}()
	acked := func() int {
		b, _ := os.ReadFile(path + ".checkpoint")
		return max(bytes.Count(b, []byte("\n"))-1, 0)
	}
	wait.For(t, "a batch acknowledged in the checkpoint", func() (bool, string) {
		select {
		case err := <-done:
			t.Fatalf("the import ended before the stop: %v", err)
		default:
		}
		n := acked()
		return n >= 1, fmt.Sprintf("%d batches acknowledged", n)
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the stopped import: %v, want context.Canceled", err)
	}
	if got := acked(); got >= n/size {
		t.Fatalf("all %d batches acknowledged before the stop: the test resumed nothing", got)
	}
	sum, err := bulk.Import(context.Background(), c, path, bulk.Options{Rate: -1, Concurrency: 2, BatchSize: size})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.FromCheckpoint || sum.Failed != 0 || sum.Rows+sum.Resumed != n {
		t.Errorf("resumed: %+v, want the rest of %d rows, none failed", sum, n)
	}
	count := map[string]int{}
	for _, l := range exportLines(t, c) {
		var p views.Profile
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatal(err)
		}
		count[*p.LastName]++
		if len(p.Contacts) != 2 {
			t.Errorf("%s has %d contacts, want 2", *p.LastName, len(p.Contacts))
		}
	}
	for i := range n {
		if k := fmt.Sprintf("kill%04d", i); count[k] != 1 {
			t.Errorf("%s stored %d times, want once", k, count[k])
		}
	}
	if len(count) != n {
		t.Errorf("%d profiles stored, want %d", len(count), n)
	}
}

// import(export(x)) leaves x as it was: every row upserts its profileId and
// answers unchanged, and every profile keeps its version.
func TestExportImportsBackUnchanged(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := client.New(a.stack.URL, client.WithBearerToken(a.token))
	ctx := context.Background()
	if _, err := bulk.Import(ctx, c, bulkFile(t, "round", 130), bulk.Options{Rate: -1}); err != nil {
		t.Fatal(err)
	}
	// Profiles the bulk file does not make: tags, a middle name, a
	// verified contact with its own uuid, a disabled one.
	for i, in := range []client.ProfileInput{
		{FirstName: client.Value("Mary"), MiddleName: client.Value("Jane"), Tags: client.Value([]string{"blue", "green"}),
			Contacts: []client.ContactInput{{Key: client.Value("email"), Value: client.Value("mary@round.example"),
				UUID: client.Value("c-uuid-1"), Verified: client.Value(true)}}},
		{LastName: client.Value("Off"), Enabled: client.Value(false)},
	} {
		if _, err := c.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: fmt.Sprintf("round-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	before := exportLines(t, c)
	etags := map[string]string{}
	for _, l := range before {
		var p views.Profile
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetProfile(ctx, p.ProfileID)
		if err != nil {
			t.Fatal(err)
		}
		etags[p.ProfileID] = got.ETag
	}
	path := filepath.Join(t.TempDir(), "export.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(before, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := bulk.Import(ctx, c, path, bulk.Options{Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged != len(before) || sum.Created+sum.Updated+sum.Failed != 0 {
		t.Errorf("importing the export: %+v, want all %d unchanged", sum, len(before))
	}
	after := exportLines(t, c)
	if strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("the table changed: before\n%s\nafter\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
	for id, etag := range etags {
		got, err := c.GetProfile(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.ETag != etag {
			t.Errorf("%s: version %s after the import, %s before", id, got.ETag, etag)
		}
	}
}
