package apitest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/local/apitest"
)

// TestContractCheckFails: the check every exchange goes through refuses
// what openapi.yaml does not allow, so a suite that passes has kept it.
func TestContractCheckFails(t *testing.T) {
	t.Parallel()
	json := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}, "X-Content-Type-Options": {"nosniff"}}
	problemJSON := http.Header{"Content-Type": {"application/problem+json"}, "Cache-Control": {"no-store"}, "X-Content-Type-Options": {"nosniff"}}
	for _, tc := range []struct {
		name, method, target, body string
		status                     int
		header                     http.Header
		answer                     string
		fails                      bool
	}{
		{"a documented answer", "GET", "/profiles?limit=5", "", 200, json, `[]`, false},
		{"a field the document lacks", "GET", "/profiles?limit=5", "", 200, json, `[{"bogus":1}]`, true},
		{"an undocumented status", "GET", "/profiles?limit=5", "", 418, json, `{}`, true},
		{"a forbidden request accepted", "GET", "/profiles?limit=1000", "", 200, json, `[]`, true},
		{"a forbidden request refused", "GET", "/profiles?limit=1000", "", 400, problemJSON,
			`{"type":"tag:profiles-service.github.io,2026:problems/validation","title":"Your request parameters didn't validate.","status":400,"detail":"limit must be 1 to 100","errors":[{"field":"limit","message":"must be 1 to 100"}]}`, false},
		{"a path the document lacks, served", "GET", "/secret", "", 200, json, `{}`, true},
		{"a path the document lacks, refused", "GET", "/secret", "", 404, json, `{"message":"Not Found"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer x")
			err := apitest.CheckRequest(req, []byte(tc.body)).Response(tc.status, tc.header, []byte(tc.answer))
			if (err != nil) != tc.fails {
				t.Errorf("check: %v, want a failure: %v", err, tc.fails)
			}
		})
	}
}
