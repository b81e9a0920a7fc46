package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/profiles-service/profiles/shared/logging"
	"github.com/profiles-service/profiles/shared/metrics"
	"github.com/profiles-service/profiles/shared/profile"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type              string               `json:"type"`
	Title             string               `json:"title"`
	Status            int                  `json:"status"`
	Detail            string               `json:"detail"`
	Errors            []profile.FieldError `json:"errors,omitempty"`
	ExistingProfileID string               `json:"existingProfileId,omitempty"`
	// MatchingProfileIDs are the profiles a batch upsert's natural key
	// matched, when it matched several.
	MatchingProfileIDs []string `json:"matchingProfileIds,omitempty"`
	// RequestID is API Gateway's id of the request, which the logs carry
	// too: what a client quotes when it asks about an answer.
	RequestID string `json:"requestId,omitempty"`
}

// requestError is a request the API cannot read: bad JSON, a bad query
// parameter, a body too large.
type requestError struct {
	status int
	field  string
	msg    string
}

func (e *requestError) Error() string { return e.field + ": " + e.msg }

func badRequest(field, format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, field: field, msg: fmt.Sprintf(format, args...)}
}

// errUnauthenticated is a request without the identity its route needs.
var errUnauthenticated = errors.New("no authenticated user in the request")

// problemBase starts the type URI of each problem this service defines: a
// tag URI (RFC 4151), an identifier that never moves with the docs; the
// name after it is that problem's heading in docs/api.md, which says why.
const problemBase = "tag:profiles-service.github.io,2026:problems/"

// writeError answers err as problem+json (problemOf).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	p, retryAfter := problemOf(r, err)
	if retryAfter {
		w.Header().Set("Retry-After", strconv.Itoa(1))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	encodeStatus(w, p.Status, p)
}

// keyReusedMessage is what the 422 of a key used with another request says.
const keyReusedMessage = "was used with another request; use a new key for a new request"

// problemOf is the one place that maps an error to an HTTP status and a
// problem+json body (and says whether the answer carries Retry-After): a
// request's, or one batch item's.
func problemOf(r *http.Request, err error) (p problem, retryAfter bool) {
	p = problem{Type: "about:blank", Detail: err.Error()}
	var (
		ve *profile.ValidationError
		re *requestError
		ce *profile.ConflictError
		tb *profile.TooBroadError
	)
	switch {
	case errors.As(err, &ve):
		p.Status, p.Type, p.Title, p.Errors = http.StatusBadRequest, problemBase+"validation", "Invalid request", ve.Errors
		p.Detail = "One or more fields are invalid."
	case errors.As(err, &re):
		p.Status, p.Title = re.status, http.StatusText(re.status)
		p.Errors = []profile.FieldError{{Field: re.field, Message: re.msg}}
		if re.status == http.StatusBadRequest {
			p.Type, p.Title = problemBase+"validation", "Invalid request"
		}
	case errors.As(err, &tb):
		p.Status, p.Type, p.Title = http.StatusUnprocessableEntity, problemBase+"query-too-broad", "Query too broad"
		metrics.Add(r.Context(), metrics.ListingTooBroad, 1)
	case errors.Is(err, errAmbiguousKey):
		p.Status, p.Type, p.Title = http.StatusBadRequest, problemBase+"ambiguous-idempotency-key", "Ambiguous Idempotency-Key"
		p.Detail = "The Idempotency-Key has a comma or came in several headers, so which key was meant cannot be told; nothing was written."
		p.Errors = []profile.FieldError{{Field: "Idempotency-Key", Message: "must be one key without a comma"}}
	case errors.Is(err, profile.ErrKeyReused):
		p.Status, p.Title = http.StatusUnprocessableEntity, http.StatusText(http.StatusUnprocessableEntity)
		p.Errors = []profile.FieldError{{Field: "Idempotency-Key", Message: keyReusedMessage}}
		p.Detail = "Idempotency-Key: " + keyReusedMessage
	case errors.Is(err, profile.ErrReplayedDeleted):
		p.Status, p.Type, p.Title = http.StatusNotFound, problemBase+"replayed-resource-deleted", "Not Found"
		p.Detail = "This Idempotency-Key's request took effect before, but what it made has been deleted since."
	case errors.Is(err, profile.ErrNotFound):
		p.Status, p.Title, p.Detail = http.StatusNotFound, "Not Found", "The resource does not exist."
	case errors.As(err, &ce):
		p.Status, p.Type, p.Title, p.ExistingProfileID = http.StatusConflict, problemBase+"conflict", "Conflict", ce.ExistingID
		p.MatchingProfileIDs = ce.Matches
	case errors.Is(err, profile.ErrPreconditionFailed):
		p.Status, p.Title = http.StatusPreconditionFailed, "Precondition Failed"
	case errors.Is(err, errUnauthenticated):
		p.Status, p.Title = http.StatusUnauthorized, "Unauthorized"
	case errors.Is(err, profile.ErrOutcomeUnknown):
		// Not a plain 503: the write may have landed (docs/api.md).
		p.Status, p.Type, p.Title = http.StatusServiceUnavailable, problemBase+"outcome-unknown", "Outcome Unknown"
		p.Detail = "The write was sent, but whether it took effect could not be learned in time. " +
			"Retry with the same Idempotency-Key (it then takes effect at most once), or read the resource to see whether it changed."
		retryAfter = true
		slog.WarnContext(r.Context(), "write outcome unknown", "error", err.Error())
	case errors.Is(err, profile.ErrUnavailable):
		p.Status, p.Title, p.Detail = http.StatusServiceUnavailable, "Service Unavailable", "The database is busy or unreachable; nothing was written. Retry later."
		retryAfter = true
		slog.WarnContext(r.Context(), "database unavailable", "error", err.Error())
	default:
		p.Status, p.Title, p.Detail = http.StatusInternalServerError, "Internal Server Error", "An unexpected error occurred."
		slog.ErrorContext(r.Context(), "unexpected error", "error", err.Error(), "method", r.Method, "path", r.URL.Path)
	}
	p.RequestID = logging.RequestID(r.Context())
	return p, retryAfter
}
