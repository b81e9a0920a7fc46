package testenv

import (
	"context"
	"errors"
	"testing"

	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// CutShort erases the profile through store, whose calls pass through
// fp, while fp throttles every write that deletes an item: the erasure's
// mark lands and its removal never does, as when its process dies between
// the two. The store's budget (its Timeout, on its clock) bounds the
// erasure and sets its mark's deadline. It fails tb unless the erasure
// answered ErrOutcomeUnknown (its mark written, its removal not), and
// leaves fp passing everything.
func (fp *FaultProxy) CutShort(tb testing.TB, store *dynamo.Store, id string) {
	tb.Helper()
	fp.OnlyWritesHolding(`"Delete"`)
	fp.Set(ThrottleWrites, 1, 0)
	err := store.Erase(context.Background(), id, profile.Precondition{}, profile.ErasedOnRequest)
	fp.Set(Pass, 0, 0)
	fp.OnlyWritesHolding("")
	if !errors.Is(err, profile.ErrOutcomeUnknown) {
		tb.Fatalf("an erasure whose removal fails after its mark: %v, want ErrOutcomeUnknown", err)
	}
}
