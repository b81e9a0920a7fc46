package integration

import (
	"net/http"
	"testing"

	"github.com/profiles-service/profiles/local/apitest"
)

// The published contract, shared/api/openapi.yaml, holds every exchange of
// these tests, as it holds the in-process suite's: apitest.CheckRequest
// says how.

// exchange is one request as checked against the contract, waiting for its response.
type exchange struct{ *apitest.Exchange }

// checkRequest validates a copy of req (with the body raw) so the request
// sent stays byte for byte what the test built.
func checkRequest(req *http.Request, raw []byte) *exchange {
	return &exchange{apitest.CheckRequest(req, raw)}
}

// response fails the test when the exchange breaks the contract.
func (ex *exchange) response(t *testing.T, r *response) {
	t.Helper()
	if err := ex.Response(r.Status, r.Header, r.Body); err != nil {
		t.Error(err)
	}
}
