package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestIfMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		any     bool    // want no pinned versions: absent or "*"
		allows  []int64 // versions among 0..5 it must allow
		bad     bool
	}{
		{name: "absent", any: true},
		{name: "star", headers: []string{"*"}, any: true},
		{name: "star in a list", headers: []string{`"1", *`}, any: true},
		{name: "one tag", headers: []string{`"3"`}, allows: []int64{3}},
		{name: "list", headers: []string{`"1", "2"`}, allows: []int64{1, 2}},
		{name: "list no spaces", headers: []string{`"1","2"`}, allows: []int64{1, 2}},
		{name: "two header values", headers: []string{`"1"`, `"4"`}, allows: []int64{1, 4}},
		{name: "weak tag matches nothing (strong comparison)", headers: []string{`W/"3"`}, allows: []int64{}},
		{name: "unknown tag", headers: []string{`"abc"`}, allows: []int64{}},
		{name: "empty tag", headers: []string{`""`}, allows: []int64{}},
		{name: "negative tag", headers: []string{`"-1"`}, allows: []int64{}},
		{name: "unknown and known", headers: []string{`"abc", "5"`}, allows: []int64{5}},
		{name: "unquoted", headers: []string{`3`}, bad: true},
		{name: "half quoted", headers: []string{`"3`}, bad: true},
		{name: "empty value", headers: []string{``}, bad: true},
		{name: "one bad in list", headers: []string{`"1", 2`}, bad: true},
		{name: "bad second header", headers: []string{`"1"`, `x`}, bad: true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPut, "/profiles/x", nil)
		for _, h := range tt.headers {
			r.Header.Add("If-Match", h)
		}
		m, err := ifMatch(r)
		switch {
		case tt.bad:
			if err == nil {
				t.Errorf("%s: ifMatch = %v, nil; want an error", tt.name, m)
			} else if got := requestField(t, err, http.StatusBadRequest); got != "If-Match" {
				t.Errorf("%s: field = %q, want If-Match", tt.name, got)
			}
			continue
		case err != nil:
			t.Errorf("%s: ifMatch: %v", tt.name, err)
			continue
		case tt.any:
			if m.Pinned() {
				t.Errorf("%s: ifMatch = %#v, want no pinned versions", tt.name, m)
			}
			for v := range int64(6) {
				if !m.Allows(v) {
					t.Errorf("%s: Any does not allow %d", tt.name, v)
				}
			}
			continue
		}
		if !m.Pinned() {
			t.Errorf("%s: ifMatch = %#v is not pinned to the tags' versions", tt.name, m)
		}
		for v := range int64(6) {
			if got, want := m.Allows(v), slices.Contains(tt.allows, v); got != want {
				t.Errorf("%s: Allows(%d) = %v, want %v (match %v)", tt.name, v, got, want, m)
			}
		}
	}
}

// problemBody is the decoded problem+json of a response.
