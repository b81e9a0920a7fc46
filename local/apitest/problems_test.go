package apitest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
)

// TestProblemTypes: each error the service answers is problem+json of its
// documented type and title, carrying the id API Gateway gave the request.
// (query-too-broad and outcome-unknown need DynamoDB's indexes and faults:
// local/integration.)
func TestProblemTypes(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{UUID: client.Value("held")}, &client.WriteOptions{IdempotencyKey: "k"}))(t)
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		typ, title               string
	}{
		{"a bad field", "POST", "/profiles", `{"firstName":5}`, nil, 400, client.ProblemValidation, "Invalid request"},
		{"a bad parameter", "GET", "/profiles?limit=0", "", nil, 400, client.ProblemValidation, "Invalid request"},
		{"a bad header", "POST", "/profiles", `{}`, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, client.ProblemValidation, "Invalid request"},
		{"a taken uuid", "POST", "/profiles", `{"uuid":"held"}`, nil, 409, client.ProblemConflict, "Conflict"},
		{"no such profile", "GET", "/profiles/0123456789abcdef01234567", "", nil, 404, "about:blank", "Not Found"},
		{"a stale version", "PATCH", "/profiles/" + p.ProfileID, `{"firstName":"x"}`, []string{"If-Match", `"999"`}, 412, "about:blank", "Precondition Failed"},
		{"a reused key", "POST", "/profiles", `{"firstName":"other"}`, []string{"Idempotency-Key", "k"}, 422, "about:blank", "Unprocessable Entity"},
		{"a body too large", "POST", "/profiles", `{"firstName":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "about:blank", "Request Entity Too Large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.Do(t, tc.method, tc.path, tc.body, append([]string{"Authorization", a.AdminAuth()}, tc.headers...)...)
			rawProblem(t, r, tc.status, "")
			var e client.Error
			decodeProblem(t, r, &e)
			if e.Type != tc.typ || e.Title != tc.title || e.RequestID == "" || e.RequestID != r.Header.Get("Apigw-Requestid") {
				t.Errorf("type %q title %q requestId %q (gateway's %q), want %q %q: %s", e.Type, e.Title, e.RequestID,
					r.Header.Get("Apigw-Requestid"), tc.typ, tc.title, r.Body)
			}
		})
	}
}

// decodeProblem reads r's problem+json body into e.
func decodeProblem(t *testing.T, r *apitest.Response, e *client.Error) {
	t.Helper()
	var p struct{ Type, Title, RequestID string }
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	e.Type, e.Title, e.RequestID = p.Type, p.Title, p.RequestID
}
