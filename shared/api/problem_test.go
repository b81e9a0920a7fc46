package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/shared/profile"
)

// requestField returns the parameter a *requestError names, failing the
// test when err is not one with the status.
func requestField(t *testing.T, err error, status int) string {
	t.Helper()
	var re *requestError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want *requestError", err, err)
	}
	if re.status != status {
		t.Errorf("status = %d, want %d (error %v)", re.status, status, err)
	}
	if re.msg == "" {
		t.Errorf("requestError for %q has no message", re.field)
	}
	return re.field
}

type problemBody struct {
	Type              string               `json:"type"`
	Title             string               `json:"title"`
	Status            int                  `json:"status"`
	Detail            string               `json:"detail"`
	Errors            []profile.FieldError `json:"errors"`
	ExistingProfileID *string              `json:"existingProfileId"`
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	validation := &profile.ValidationError{Errors: []profile.FieldError{
		{Field: "firstName", Message: "must be at most 255 characters"},
		{Field: "contacts[1].value", Message: "must be a valid email address"},
	}}
	const hint = "the email belongs to more than 1000 profiles; add filter[uuid] or a name filter sorted by that name"
	tooBroad := &profile.TooBroadError{Limit: 1000, Hint: hint}
	tests := []struct {
		name       string
		err        error
		status     int
		typ        string
		title      string
		errors     []profile.FieldError
		existing   string
		detail     string // "" means not checked
		inDetail   string // a text the detail holds; "" means not checked
		retryAfter string
	}{
		{name: "validation", err: validation, status: 400, typ: problemBase + "validation", title: "Invalid request", errors: validation.Errors},
		{name: "wrapped validation", err: fmt.Errorf("create: %w", validation), status: 400, typ: problemBase + "validation", title: "Invalid request", errors: validation.Errors},
		{name: "bad parameter", err: badRequest("limit", "must be an integer from %d to %d", 1, 100), status: 400, typ: problemBase + "validation", title: "Invalid request",
			errors: []profile.FieldError{{Field: "limit", Message: "must be an integer from 1 to 100"}}},
		{name: "too large", err: &requestError{status: http.StatusRequestEntityTooLarge, field: "body", msg: "must be at most 1 MB"}, status: 413, typ: "about:blank", title: "Request Entity Too Large",
			errors: []profile.FieldError{{Field: "body", Message: "must be at most 1 MB"}}},
		{name: "ambiguous idempotency key", err: errAmbiguousKey, status: 400, typ: problemBase + "ambiguous-idempotency-key", title: "Ambiguous Idempotency-Key",
			errors: []profile.FieldError{{Field: "Idempotency-Key", Message: "must be one key without a comma"}}},
		{name: "not found", err: profile.ErrNotFound, status: 404, typ: "about:blank", title: "Not Found", detail: "The resource does not exist."},
		{name: "wrapped not found", err: fmt.Errorf("get: %w", profile.ErrNotFound), status: 404, typ: "about:blank", title: "Not Found"},
		{name: "conflict", err: &profile.ConflictError{Detail: "the email a@b.com belongs to another profile", ExistingID: "6006dda272f002519c3eb505"},
			status: 409, typ: problemBase + "conflict", title: "Conflict", existing: "6006dda272f002519c3eb505", detail: "the email a@b.com belongs to another profile"},
		{name: "conflict without id", err: &profile.ConflictError{Detail: "a profile holds at most 50 contacts"}, status: 409, typ: problemBase + "conflict", title: "Conflict"},
		{name: "query too broad", err: tooBroad, status: 422, typ: problemBase + "query-too-broad", title: "Query too broad",
			detail: "the query matches more than 1000 profiles: " + hint, inDetail: hint},
		{name: "wrapped query too broad", err: fmt.Errorf("list: %w", tooBroad), status: 422, typ: problemBase + "query-too-broad", title: "Query too broad", inDetail: hint},
		{name: "precondition", err: profile.ErrPreconditionFailed, status: 412, typ: "about:blank", title: "Precondition Failed"},
		{name: "unauthenticated", err: errUnauthenticated, status: 401, typ: "about:blank", title: "Unauthorized"},
		{name: "unavailable", err: fmt.Errorf("query: %w", profile.ErrUnavailable), status: 503, typ: "about:blank", title: "Service Unavailable", retryAfter: "1"},
		{name: "unknown", err: errors.New("secret internal detail"), status: 500, typ: "about:blank", title: "Internal Server Error", detail: "An unexpected error occurred."},
		{name: "panic", err: errPanic, status: 500, typ: "about:blank", title: "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			writeError(w, httptest.NewRequest(http.MethodGet, "/profiles", nil), tt.err)
			res := w.Result()
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := res.Header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			body := w.Body.Bytes()
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length = %q, body is %d bytes", cl, len(body))
			}
			var p problemBody
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if p.Status != tt.status || p.Type != tt.typ || p.Title != tt.title || p.Detail == "" {
				t.Errorf("problem = %+v, want status %d type %q title %q", p, tt.status, tt.typ, tt.title)
			}
			if tt.detail != "" && p.Detail != tt.detail {
				t.Errorf("detail = %q, want %q", p.Detail, tt.detail)
			}
			if !strings.Contains(p.Detail, tt.inDetail) {
				t.Errorf("detail = %q, want it to hold %q", p.Detail, tt.inDetail)
			}
			if tt.status == 500 && strings.Contains(string(body), "secret") {
				t.Errorf("500 body leaks the error: %s", body)
			}
			if !reflect.DeepEqual(p.Errors, tt.errors) {
				t.Errorf("errors = %+v, want %+v", p.Errors, tt.errors)
			}
			switch {
			case tt.existing == "" && p.ExistingProfileID != nil:
				t.Errorf("existingProfileId = %q, want absent", *p.ExistingProfileID)
			case tt.existing != "" && (p.ExistingProfileID == nil || *p.ExistingProfileID != tt.existing):
				t.Errorf("existingProfileId = %v, want %q", p.ExistingProfileID, tt.existing)
			}
		})
	}
}
