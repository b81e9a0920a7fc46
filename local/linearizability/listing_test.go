package linearizability

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// fakeListing serves GET /profiles as pages of ids, linking each page to
// the next with a relative Link as the API does; a page given as a status
// ("500") is answered with that status.
type fakeListing [][]string

func (f fakeListing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/profiles" || r.Header.Get("Authorization") != "Bearer admin" {
		http.NotFound(w, r)
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	if len(f[n]) == 1 {
		if status, err := strconv.Atoi(f[n][0]); err == nil {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"type": "about:blank", "title": "failed"}`))
			return
		}
	}
	if n+1 < len(f) {
		w.Header().Set("Link", `</profiles?cursor=`+strconv.Itoa(n+1)+`&limit=2>; rel="next"`)
	}
	page := []map[string]string{}
	for _, id := range f[n] {
		page = append(page, map[string]string{"profileId": id})
	}
	_ = json.NewEncoder(w).Encode(page)
}

func TestScan(t *testing.T) {
	still := map[string]bool{"s1": true, "s2": true}
	for _, c := range []struct {
		name   string
		pages  fakeListing
		broken []string // what each broken promise says, in order
	}{
		{"every page followed", fakeListing{{"a", "s1"}, {"b", "c"}, {"s2"}}, nil},
		{"an id twice on a page", fakeListing{{"a", "a"}, {"s1", "s2"}}, []string{"page 0 holds a twice"}},
		{"a still profile missed", fakeListing{{"a", "s1"}, {"b"}}, []string{"profile s2, unchanged throughout, was on the pages 0 times"}},
		{"a still profile on two pages", fakeListing{{"s1", "s2"}, {"s2"}}, []string{"profile s2, unchanged throughout, was on the pages 2 times"}},
		{"a 500", fakeListing{{"s1", "s2"}, {"500"}}, []string{"page 1: ", "500"}},
		{"a 503 says nothing", fakeListing{{"s1"}, {"503"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.pages)
			defer srv.Close()
			api := &API{BaseURL: srv.URL, AdminToken: "admin", Client: srv.Client()}
			what, broken := api.Scan(context.Background(), rand.New(rand.NewPCG(1, 2)), still)
			if !strings.HasPrefix(what, "GET /profiles?limit=") {
				t.Errorf("what %q", what)
			}
			got := strings.Join(broken, "\n")
			if len(c.broken) == 0 && got != "" {
				t.Errorf("broken:\n%s\nwant nothing", got)
			}
			if len(c.broken) > 0 && len(broken) != 1 {
				t.Errorf("broken:\n%s\nwant one promise", got)
			}
			for _, want := range c.broken {
				if !strings.Contains(got, want) {
					t.Errorf("broken:\n%s\nwant it to say %q", got, want)
				}
			}
		})
	}
}
