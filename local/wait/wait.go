// Package wait is the tests' one way to wait for what happens in the
// background: poll a condition, never sleep a fixed time. It imports only
// the standard library, so a unit test of any package can use it.
package wait

import (
	"testing"
	"time"
)

// Budget bounds a wait for what the service does in the background (a
// stream record handled, an event written): that takes a poll interval and
// a batching window, well under a second, on any machine; the budget is
// generous because a loaded 2-core machine runs other test packages too.
// Running out of it means the thing did not happen.
const Budget = 30 * time.Second

// For polls cond until it reports done, and fails the test when Budget
// runs out, saying what it waited for and what cond saw last.
func For(tb testing.TB, what string, cond func() (done bool, seen string)) {
	tb.Helper()
	start := time.Now()
	for {
		done, seen := cond()
		if done {
			return
		}
		if time.Since(start) > Budget {
			tb.Fatalf("the %v budget ran out waiting for %s; last seen: %s", Budget, what, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
