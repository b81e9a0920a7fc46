package integration

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/profiles-service/profiles/local/apitest"
)

// The published contract, shared/api/openapi.yaml, holds every exchange of
// these tests, as it holds the in-process suite's: apitest.CheckRequest
// says how.

// contractChecked is next (http.DefaultTransport when nil) holding each
// exchange to the contract: a breach is an Error of t, which any goroutine
// may report. The request goes byte for byte as the test built it.
func contractChecked(t *testing.T, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		var raw []byte
		if req.Body != nil {
			var err error
			if raw, err = io.ReadAll(req.Body); err != nil {
				return nil, err
			}
			_ = req.Body.Close()
			req = req.Clone(req.Context())
			req.Body = io.NopCloser(bytes.NewReader(raw))
		}
		ex := apitest.CheckRequest(req, raw)
		resp, err := next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err := ex.Response(resp.StatusCode, resp.Header, body); err != nil {
			t.Error(err)
		}
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
