package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestExternalFlags(t *testing.T) {
	base := []string{"-base-url", "http://127.0.0.1:3101/", "-token", "t"}
	for _, c := range []struct {
		name    string
		args    []string
		wantErr string // empty: parses
	}{
		{"base-url and token", base, ""},
		{"the mixed section named", append(slices.Clone(base), "-sections", "mixed", "-mixed-duration", "10s", "-small", "200"), ""},
		{"more profiles than the large table would hold", append(slices.Clone(base), "-small", "60000"), ""},
		{"no token", []string{"-base-url", "http://127.0.0.1:3101"}, "needs -token"},
		{"a token alone", []string{"-token", "t"}, "give -base-url too"},
		{"not a URL", []string{"-base-url", "127.0.0.1:3101", "-token", "t"}, "http:// or https://"},
		{"another section", append(slices.Clone(base), "-sections", "mixed,listing"), "not -sections mixed,listing"},
		{"a flag of the bench's own tables", append(slices.Clone(base), "-large", "100"), "-large does not apply"},
		{"smoke", append(slices.Clone(base), "-smoke"), "-smoke does not apply"},
		{"no duration", append(slices.Clone(base), "-mixed-duration", "0s"), "-mixed-duration > 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseOptions(c.args)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if o.baseURL != "http://127.0.0.1:3101" || !slices.Equal(o.sections, []string{"mixed"}) {
					t.Errorf("base URL %q, sections %q", o.baseURL, o.sections)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %v, want one saying %q", err, c.wantErr)
			}
		})
	}
}

func TestMixedDuration(t *testing.T) {
	for _, c := range []struct {
		args []string
		want time.Duration
	}{{nil, 30 * time.Second}, {[]string{"-smoke"}, 2 * time.Second}, {[]string{"-smoke", "-mixed-duration", "5s"}, 5 * time.Second}} {
		if o, err := parseOptions(c.args); err != nil || o.mixedTime != c.want {
			t.Errorf("%q: %v, %v; want %v", c.args, o.mixedTime, err, c.want)
		}
	}
}

// fakeProfiles is just enough of the API for the mixed load: create, get,
// patch and list profiles, for one bearer token, answering each profile
// as {"profileId": ...}. A create with an Idempotency-Key happens once per
// key; the first answer of every third such key is a 503 although the
// profile was created (an outcome-unknown).
type fakeProfiles struct {
	mu     sync.Mutex
	ids    []string
	keys   map[string]string // the id each key created
	unsure int               // 503s answered for creates that landed
}

func (f *fakeProfiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer fake-token" {
		http.Error(w, `{"message": "Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(status int, id string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"profileId": id})
	}
	id := strings.TrimPrefix(r.URL.Path, "/profiles/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/profiles":
		key := r.Header.Get("Idempotency-Key")
		if id, ok := f.keys[key]; key != "" && ok {
			answer(http.StatusCreated, id) // the replay
			return
		}
		id := fmt.Sprintf("p%d", len(f.ids))
		f.ids = append(f.ids, id)
		if key != "" {
			if f.keys == nil {
				f.keys = map[string]string{}
			}
			f.keys[key] = id
			if len(f.keys)%3 == 0 {
				f.unsure++
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		answer(http.StatusCreated, id)
	case r.Method == http.MethodGet && r.URL.Path == "/profiles":
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		page := []map[string]string{}
		for _, id := range f.ids[:min(limit, len(f.ids))] {
			page = append(page, map[string]string{"profileId": id})
		}
		_ = json.NewEncoder(w).Encode(page)
	case (r.Method == http.MethodGet || r.Method == http.MethodPatch) && slices.Contains(f.ids, id):
		answer(http.StatusOK, id)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeProfiles) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ids)
}

func TestExternalSeedsThenMeasures(t *testing.T) {
	api := &fakeProfiles{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	o, err := parseOptions([]string{"-base-url", srv.URL, "-token", "fake-token", "-small", "30", "-loaders", "4", "-mixed-duration", "200ms"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{o: o, token: o.token, http: srv.Client()}
	p := newProgress(io.Discard)
	for range 2 { // the second finds the profiles the first created
		if err := seed(context.Background(), e, srv.URL, p); err != nil {
			t.Fatal(err)
		}
		if n := api.count(); n != 30 {
			t.Fatalf("%d profiles after seeding, want 30 (a retried 503 that had landed must not create another)", n)
		}
	}
	if api.unsure == 0 {
		t.Fatal("no seeding POST met a 503: the retry was not exercised")
	}
	var out strings.Builder
	if err := runExternal(context.Background(), o, &out, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| mixed load | 503s (other failures) | 0 (0) |") {
		t.Errorf("the mixed load failed on an API that answers every request:\n%s", out.String())
	}
}
