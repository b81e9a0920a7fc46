package profile

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound means the profile or contact does not exist.
var ErrNotFound = errors.New("not found")

// ErrPreconditionFailed means an If-Match version did not match the current one.
var ErrPreconditionFailed = errors.New("the resource has changed since it was read")

// ErrUnavailable means the database could not serve the request in time.
var ErrUnavailable = errors.New("the database is unavailable")

// ErrOutcomeUnknown means a write was sent but its outcome could not be
// learned before the deadline: it may or may not have landed.
var ErrOutcomeUnknown = errors.New("the write's outcome is unknown")

// ConflictError is a write that would break a uniqueness rule or a limit.
type ConflictError struct {
	Detail     string
	ExistingID string // the profile already holding the unique value, when known
	// Matches are the profiles a batch upsert's natural key matched, when
	// it matched several.
	Matches []string
}

func (e *ConflictError) Error() string { return e.Detail }

// FieldError is one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a request.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		msgs[i] = f.Field + ": " + f.Message
	}
	return "invalid request: " + strings.Join(msgs, "; ")
}

// Invalid returns a ValidationError for one field.
func Invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Errors: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// validator collects field errors.
type validator struct{ errs []FieldError }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: v.errs}
}
