package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Response is an answer to Raw, whatever its status, as it came.
type Response struct {
	// Method and Path are the request's.
	Method, Path string
	// Status is the HTTP status code.
	Status int
	// Header is the answer's headers.
	Header http.Header
	// Body is the answer's body.
	Body []byte
}

// Err is nil for a 2xx answer; otherwise the *Error the typed methods
// return for it: the problem+json body (or API Gateway's message) decoded,
// its requestId, its Retry-After.
func (r *Response) Err() error {
	if r.Status >= 200 && r.Status <= 299 {
		return nil
	}
	return newError(r.Method, r.Path, &http.Response{StatusCode: r.Status, Header: r.Header}, r.Body)
}

// RequestID is API Gateway's id of the request: the problem's requestId,
// else the apigw-requestid header; "" when the answer names none.
func (r *Response) RequestID() string {
	if e := (*Error)(nil); errors.As(r.Err(), &e) {
		return e.RequestID
	}
	return r.Header.Get("apigw-requestid")
}

// Raw sends one request as given, once, and returns its answer whatever
// the status: for tests and odd requests the typed methods deliberately
// cannot make (malformed JSON, hostile or repeated headers, raw bodies,
// another Content-Type). Prefer the typed methods: Raw checks nothing,
// draws no Idempotency-Key and never retries.
//
// path is below the base URL and may hold a query ("/profiles?limit=1").
// The request carries what the typed methods send: Accept, User-Agent, the
// credential of the route the path names (the user token under /api/me,
// the API key under /api/users, the admin token elsewhere), and
// Content-Type: application/json when body is not nil. header then
// replaces those by name (a name with several values sends each; a name
// with none sends none, so {"Authorization": nil} sends no credential).
// Its error is a *NetworkError when no answer came, as the typed methods'.
func (c *Client) Raw(ctx context.Context, method, path string, header http.Header, body []byte) (*Response, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	route, _, _ := strings.Cut(path, "?")
	r := request{method: method, target: path, body: body, auth: routeAuth(route)}
	resp, out, err := c.roundTrip(ctx, r, u, header)
	if err != nil {
		return nil, err
	}
	return &Response{Method: method, Path: u.Path, Status: resp.StatusCode, Header: resp.Header, Body: out}, nil
}

// routeAuth is the credential the route at path takes.
func routeAuth(path string) auth {
	switch {
	case path == "/api/me" || strings.HasPrefix(path, "/api/me/"):
		return authUser
	case strings.HasPrefix(path, "/api/users/"):
		return authPartner
	}
	return authAdmin
}
