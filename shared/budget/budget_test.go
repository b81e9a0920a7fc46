package budget_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/shared/budget"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// at is the default budget on a clock stopped at t0.
func at() budget.Budget {
	return budget.Budget{Now: func() time.Time { return t0 }}
}

// withDeadline is a context whose deadline is left after t0.
func withDeadline(t *testing.T, left time.Duration) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), t0.Add(left))
	t.Cleanup(cancel)
	return ctx
}

// TestRequestTimeout: a request has REQUEST_TIMEOUT, or less when the
// Lambda's deadline less the margin comes sooner, and never less than 0.
func TestRequestTimeout(t *testing.T) {
	for _, tt := range []struct {
		name   string
		b      budget.Budget
		lambda time.Duration // the Lambda's deadline after t0; 0: none
		want   time.Duration
	}{
		{"no Lambda deadline: the timeout", at(), 0, 8 * time.Second},
		{"the Lambda's 10 s leave the whole 8 s", at(), 10 * time.Second, 8 * time.Second},
		{"a Lambda deadline sooner keeps the margin", at(), 5 * time.Second, 3500 * time.Millisecond},
		{"a Lambda deadline within the margin: no time", at(), time.Second, 0},
		{"a configured timeout", budget.Budget{Timeout: 2 * time.Second, Now: at().Now}, 10 * time.Second, 2 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.lambda != 0 {
				ctx = withDeadline(t, tt.lambda)
			}
			if got := tt.b.RequestTimeout(ctx); got != tt.want {
				t.Errorf("RequestTimeout = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWriteRules: the deadline, the time left, when a write may start or
// resend, how long each of its calls is waited for, and the read-back's
// time, each against the defaults the store used before they were one
// value (8 s, 300 ms, 50 ms, 2 s, 1 s).
func TestWriteRules(t *testing.T) {
	b := at()
	for _, tt := range []struct {
		name string
		got  any
		want any
	}{
		{"deadline: the context's", b.Deadline(withDeadline(t, 3*time.Second)), t0.Add(3 * time.Second)},
		{"deadline without one: the timeout from now", b.Deadline(context.Background()), t0.Add(8 * time.Second)},
		{"left: until the context's deadline", b.Left(withDeadline(t, 1234*time.Millisecond)), 1234 * time.Millisecond},
		{"left: past the deadline is negative", b.Left(withDeadline(t, -time.Second)), -time.Second},
		{"starts with 300 ms left", b.CanStart(300 * time.Millisecond), true},
		{"does not start with 299 ms left", b.CanStart(299 * time.Millisecond), false},
		{"first call: 2 s when 8 s are left", b.AttemptTimeout(8 * time.Second), 2 * time.Second},
		{"first call: half of 3 s", b.AttemptTimeout(3 * time.Second), 1500 * time.Millisecond},
		{"first call: half of 300 ms", b.AttemptTimeout(300 * time.Millisecond), 150 * time.Millisecond},
		{"resends with 50 ms left after the pause", b.CanResend(70*time.Millisecond, 20*time.Millisecond), true},
		{"does not resend with 49 ms left after the pause", b.CanResend(69*time.Millisecond, 20*time.Millisecond), false},
		{"resend: 2 s when much is left", b.ResendTimeout(5*time.Second, 20*time.Millisecond), 2 * time.Second},
		{"resend: what is left after the pause less 25 ms", b.ResendTimeout(time.Second, 20*time.Millisecond), 955 * time.Millisecond},
		{"read-back: what is left", b.ReadBackTimeout(withDeadline(t, 3*time.Second)), 3 * time.Second},
		{"read-back: at least 1 s", b.ReadBackTimeout(withDeadline(t, 200*time.Millisecond)), time.Second},
		{"read-back: at least 1 s past the deadline", b.ReadBackTimeout(withDeadline(t, -time.Second)), time.Second},
		{"a configured call timeout", budget.Budget{CallTimeout: time.Second}.AttemptTimeout(8 * time.Second), time.Second},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestCheck: a budget whose parts cannot work together is refused with
// what is wrong.
func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    budget.Budget
		want string // in the error; "" for none
	}{
		{"the defaults", budget.Budget{}, ""},
		{"a short timeout that still starts a write", budget.Budget{Timeout: 400 * time.Millisecond}, ""},
		{"a timeout no write can start in", budget.Budget{Timeout: 300 * time.Millisecond}, "must be more than the 300ms a write needs to start"},
		{"a margin that cannot hold the read-back", budget.Budget{Margin: time.Second}, "must be more than the read-back it holds (1s)"},
		{"a resend needing more than a start", budget.Budget{MinResend: time.Second}, "must not be more than the least to start one"},
		{"a negative duration", budget.Budget{ReadBack: -time.Second}, "must be positive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.b.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestDefaultIsFilled: the zero Budget reads as the defaults, the clock
// included.
func TestDefaultIsFilled(t *testing.T) {
	d := budget.Default()
	if d.Timeout != 8*time.Second || d.Margin != 1500*time.Millisecond || d.MinStart != 300*time.Millisecond ||
		d.MinResend != 50*time.Millisecond || d.CallTimeout != 2*time.Second || d.ReadBack != time.Second || d.Now == nil {
		t.Errorf("Default() = %+v", d)
	}
}
