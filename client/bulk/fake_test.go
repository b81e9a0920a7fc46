package bulk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeBatchAPI serves POST /profiles/batch as client/batch.go describes
// its wire: creates and upserts by id and uuid, per-item results, a batch
// key replaying the whole answer once every item answered for sure, and
// each item's write idempotent under the key and its position. A profile
// whose firstName is "INVALID" is a 400; "UNKNOWN-ONCE" lands but answers
// outcome-unknown the first time.
type fakeBatchAPI struct {
	mu       sync.Mutex
	profiles map[string]map[string]any  // by id
	uuids    map[string]string          // uuid → id
	items    map[string]json.RawMessage // key#position → the item's result
	answers  map[string][]byte          // key → the batch's answer
	keys     []string                   // every request's key, in order
	unknown  map[string]bool            // firstNames that answered outcome-unknown once
	// block, when set, is called before a batch is answered, after its
	// writes landed; it may wait for the request's end.
	block func(r *http.Request, key string)
}

func newFakeBatchAPI() *fakeBatchAPI {
	return &fakeBatchAPI{profiles: map[string]map[string]any{}, uuids: map[string]string{},
		items: map[string]json.RawMessage{}, answers: map[string][]byte{}, unknown: map[string]bool{}}
}

func (f *fakeBatchAPI) start(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeBatchAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/profiles/batch" {
		http.NotFound(w, r)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	var body struct {
		Items []struct {
			Op      string         `json:"op"`
			Match   string         `json:"match"`
			ID      string         `json:"id"`
			Profile map[string]any `json:"profile"`
		} `json:"items"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || key == "" || len(body.Items) > 100 {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Bad Request","status":400}`))
		return
	}
	f.mu.Lock()
	f.keys = append(f.keys, key)
	answer, replay := f.answers[key]
	if !replay {
		results := make([]json.RawMessage, len(body.Items))
		final := true
		for i, it := range body.Items {
			ik := key + "#" + strconv.Itoa(i)
			if res, ok := f.items[ik]; ok {
				results[i] = res
				continue
			}
			res, transient := f.apply(it.Op, it.Match, it.ID, it.Profile)
			if !transient {
				f.items[ik] = res
			}
			name, _ := it.Profile["firstName"].(string)
			if name == "UNKNOWN-ONCE" && !f.unknown[ik] {
				f.unknown[ik] = true
				res = json.RawMessage(`{"status":503,"problem":{"type":"tag:profiles-service.github.io,2026:problems/outcome-unknown","title":"Outcome unknown","status":503}}`)
				final = false
			}
			results[i] = res
		}
		answer, _ = json.Marshal(map[string]any{"results": results})
		if final {
			f.answers[key] = answer
		}
	}
	block := f.block
	f.mu.Unlock()
	if block != nil {
		block(r, key)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(answer)
}

// apply is one item's write; f.mu is held.
func (f *fakeBatchAPI) apply(op, match, id string, p map[string]any) (json.RawMessage, bool) {
	if p["firstName"] == "INVALID" {
		return json.RawMessage(`{"status":400,"problem":{"type":"tag:profiles-service.github.io,2026:problems/validation",` +
			`"title":"Invalid request","status":400,"detail":"1 invalid field","errors":[{"field":"firstName","message":"is not a name"}]}}`), false
	}
	uuid, _ := p["uuid"].(string)
	if op == "upsert" && match == "uuid" {
		id = f.uuids[uuid]
	}
	outcome, status := "created", 201
	if old, ok := f.profiles[id]; ok && op == "upsert" {
		merged := map[string]any{}
		for k, v := range old {
			merged[k] = v
		}
		for k, v := range p {
			merged[k] = v
		}
		outcome, status = "updated", 200
		if reflect.DeepEqual(merged, old) {
			outcome = "unchanged"
		}
		p = merged
	} else if id == "" {
		id = fmt.Sprintf("%024x", len(f.profiles)+1)
	}
	f.profiles[id] = p
	if uuid != "" {
		f.uuids[uuid] = id
	}
	res, _ := json.Marshal(map[string]any{"status": status, "outcome": outcome, "profile": map[string]any{"profileId": id}})
	return res, false
}

// firstNames counts the stored profiles by firstName.
func (f *fakeBatchAPI) firstNames() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, p := range f.profiles {
		n, _ := p["firstName"].(string)
		out[n]++
	}
	return out
}

// sent counts the requests sent with each key.
func (f *fakeBatchAPI) sent() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, k := range f.keys {
		out[k]++
	}
	return out
}

// ndjsonFile writes lines to a new file and returns its path.
func ndjsonFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := writeFile(path, strings.Join(lines, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
	return path
}
