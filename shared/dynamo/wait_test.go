package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/profiles-service/profiles/shared/budget"
)

// TestPageIndexRecheckRunsOnTheBudgetsClock: a page index found not
// ACTIVE is left unread for pageIndexRecheck on the store's clock (the
// budget's), not the machine's, so a test's clock moves it.
func TestPageIndexRecheckRunsOnTheBudgetsClock(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	s := New(nil, "t", 1, WithBudget(budget.Budget{Now: func() time.Time { return now }}))
	index := pageIndexes["createTime"]
	notActive := &smithy.GenericAPIError{Code: "ValidationException", Message: "The table does not have the specified index: " + index}
	if !s.pageIndexNotActive(context.Background(), index, notActive) {
		t.Fatalf("%v not taken for the page index %s not ACTIVE", notActive, index)
	}
	for _, tc := range []struct {
		after time.Duration
		down  bool
	}{{0, true}, {pageIndexRecheck - time.Second, true}, {pageIndexRecheck, false}} {
		now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Add(tc.after)
		if got := s.pageIndexDown(index); got != tc.down {
			t.Errorf("%v after it was found not ACTIVE: down %v, want %v", tc.after, got, tc.down)
		}
	}
}

// TestWaitEndsWithItsContext: a write's pause before it sends again ends
// when its request does (the caller gone, or its deadline), not after it.
func TestWaitEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if wait(ctx, time.Hour) {
		t.Error("a pause of an hour on an ended context passed whole")
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the pause on an ended context took %v", took)
	}
	if !wait(context.Background(), time.Millisecond) {
		t.Error("a pause of 1 ms on a live context did not pass")
	}
}
