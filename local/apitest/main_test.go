package apitest_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"testing"

	"github.com/profiles-service/profiles/client"
)

// TestMain keeps the handlers' request log out of the test output (the
// log test installs its own).
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

var (
	ctx         = context.Background()
	idPattern   = regexp.MustCompile(`^[0-9a-f]{24}$`)
	timePattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$`)
)

// problem fails the test unless err is a problem+json answer with the
// status, a type and a title, whose errors name field (when not "").
func problem(t *testing.T, err error, status int, field string) client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a %d problem", err, err, status)
	}
	if e.Status != status {
		t.Fatalf("status %d, want %d: %s", e.Status, status, e.Body)
	}
	if e.Type == "" || e.Title == "" || e.Problem["status"] != float64(status) {
		t.Fatalf("not a problem+json body with type, title and status: %s", e.Body)
	}
	if field != "" && !names(e, field) {
		t.Fatalf("errors %s do not name field %q", e.Body, field)
	}
	return *e
}

func names(e *client.Error, field string) bool {
	for _, f := range e.Errors {
		if f.Field == field {
			return true
		}
	}
	return false
}

// must(call)(t) fails the test on call's error and returns its value.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
