package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestListingTooBroad: an email address held by more profiles than one
// look-up reads is a 422 that says how to narrow the query, not a slow
// answer; narrowed, the same look-up answers.
func TestListingTooBroad(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	// The test needs the profiles, not concurrency: a few writes at a time,
	// so each answers within its request budget on a loaded 2-core machine
	// (101 at once did not: 503, outcome unknown).
	creates := make([]call, 101)
	for i := range creates {
		creates[i] = a.req("POST", "/profiles", map[string]any{"firstName": fmt.Sprintf("P%03d", i),
			"contacts": []map[string]any{{"key": "email", "value": "shared@example.com"}}})
	}
	for _, r := range sendAll(t, creates, 4) {
		r.expect(t, 201, nil)
	}
	p := a.do("GET", "/profiles?filter[email]=shared%40example.com", nil).expectProblem(t, http.StatusUnprocessableEntity, "")
	if !strings.Contains(p.Detail, "filter[email]") || !strings.Contains(p.Type, "query-too-broad") {
		t.Errorf("422 %+v does not say which filter is too broad", p)
	}
	var one []Profile
	a.do("GET", "/profiles?filter[email]=shared%40example.com&filter[uuid]=none", nil).expect(t, 200, &one)
	if len(one) != 0 {
		t.Errorf("narrowed by a uuid nobody holds: %d profiles", len(one))
	}
}
