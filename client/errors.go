package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// The problem types this API defines (docs/api.md, "Problem type URIs").
// Other problems are "about:blank", whose status says it all.
const (
	problemBase                    = "tag:profiles-service.github.io,2026:problems/"
	ProblemValidation              = problemBase + "validation"                // 400: fix the fields Errors names
	ProblemConflict                = problemBase + "conflict"                  // 409: a uniqueness rule or a limit
	ProblemQueryTooBroad           = problemBase + "query-too-broad"           // 422: sort by the filtered name, or add filters
	ProblemOutcomeUnknown          = problemBase + "outcome-unknown"           // 503: the write may have landed
	ProblemReplayedResourceDeleted = problemBase + "replayed-resource-deleted" // 404: a keyed replay whose resource was deleted
)

// Error is a non-2xx answer: the service's problem+json (RFC 9457), or API
// Gateway's own {"message": ...} body.
type Error struct {
	// Method and Path are the request's.
	Method, Path string
	// Status is the HTTP status code.
	Status int
	// Type is the problem type URI ("about:blank" or one of the Problem
	// constants); "" for an answer that is not problem+json.
	Type string
	// Title is the problem's fixed summary (for API Gateway's answers, the
	// status text).
	Title string
	// Detail is for a human and may change: never branch on it. For API
	// Gateway's answers it is their message.
	Detail string
	// RequestID is API Gateway's id of the request (the problem's
	// requestId, else the apigw-requestid header): quote it when reporting.
	RequestID string
	// Errors names each invalid field of a 400 (and the Idempotency-Key of
	// a reused key's 422).
	Errors []FieldError
	// ExistingProfileID names the profile holding a taken uuid (409).
	ExistingProfileID string
	// RetryAfter is the answer's Retry-After, 0 when none.
	RetryAfter time.Duration
	// Body is the raw answer body.
	Body []byte
	// Problem is the body decoded as a JSON object; nil when it is not one.
	Problem map[string]any
}

// FieldError is one invalid field, query parameter or header of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a one-line summary: method, path, status, title, detail, request id.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Title != "" {
		b.WriteString(" " + e.Title)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "; %s %s", f.Field, f.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// OutcomeUnknown reports whether the answer is the 503 outcome-unknown: the
// write was sent and may have landed.
func (e *Error) OutcomeUnknown() bool {
	return e.Status == http.StatusServiceUnavailable && strings.HasSuffix(e.Type, "/outcome-unknown")
}

// NetworkError is a request that got no complete answer: the connection
// failed, or the context ended, before the answer was read. For a write
// (Write) it may have landed.
type NetworkError struct {
	Method, URL string
	Write       bool
	Err         error
}

// Error says which request got no answer and why.
func (e *NetworkError) Error() string {
	return fmt.Sprintf("client: %s %s: no answer: %v", e.Method, e.URL, e.Err)
}

// Unwrap is the cause, such as context.DeadlineExceeded.
func (e *NetworkError) Unwrap() error { return e.Err }

// newError decodes a non-2xx answer.
func newError(method, path string, resp *http.Response, body []byte) *Error {
	e := &Error{Method: method, Path: path, Status: resp.StatusCode, Body: body,
		RequestID: resp.Header.Get("apigw-requestid"), RetryAfter: retryAfter(resp.Header)}
	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		e.Problem = obj
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" && obj != nil {
		var p struct {
			Type              string       `json:"type"`
			Title             string       `json:"title"`
			Detail            string       `json:"detail"`
			Errors            []FieldError `json:"errors"`
			ExistingProfileID string       `json:"existingProfileId"`
			RequestID         string       `json:"requestId"`
		}
		_ = json.Unmarshal(body, &p) // a field of another type stays empty; Problem has it
		e.Type, e.Title, e.Detail, e.Errors, e.ExistingProfileID = p.Type, p.Title, p.Detail, p.Errors, p.ExistingProfileID
		if p.RequestID != "" {
			e.RequestID = p.RequestID
		}
		return e
	}
	e.Title = http.StatusText(resp.StatusCode)
	if msg, ok := obj["message"].(string); ok {
		e.Detail = msg
	}
	return e
}

// IsNotFound reports whether err is a 404: no such resource (or a keyed
// replay whose resource was deleted since).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is a 409: a taken uuid, a contact already
// on the profile, or a full profile.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsPreconditionFailed reports whether err is a 412: If-Match named a
// version that is no longer current, and nothing changed.
func IsPreconditionFailed(err error) bool { return hasStatus(err, http.StatusPreconditionFailed) }

// IsOutcomeUnknown reports whether err leaves a write's outcome unknown: a
// 503 outcome-unknown, a 500, 502 or 504, or no answer at all. Read the
// resource before writing again (a keyed POST may be sent again with its
// key instead). It is false for errors that prove the write did not land.
func IsOutcomeUnknown(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return e.Method != http.MethodGet
		}
		return e.OutcomeUnknown()
	}
	var ne *NetworkError
	return errors.As(err, &ne) && ne.Write
}

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}
