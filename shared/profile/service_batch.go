package profile

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// batchWorkers is how many items of one batch run at once: enough to
// overlap the round trips of a hundred items within one request's time,
// few enough that one batch does not take a table's whole write rate.
const batchWorkers = 8

// batchRetries bounds how often an upsert runs again when what it matched
// moved under it: the profile was deleted or lost the value since the
// look-up, or its create lost to another at the same id or uuid.
const batchRetries = 2

// BatchKey is the Idempotency-Key record of the item at position for a
// write with the outcome (the caller fills the key, the request's hash,
// the status; the service the profile's id), or nil for none. A nil
// BatchKey is a batch without a key.
type BatchKey func(position int, o Outcome) *idempotency.Record

// errUnchanged stops an upsert whose profile already holds the item's
// values: nothing is written.
var errUnchanged = errors.New("the profile holds the item's values already")

// errMatchMoved is an upsert whose profile no longer holds the value it
// was matched by: the look-up runs again.
var errMatchMoved = errors.New("the matched profile no longer holds the value it was matched by")

// Batch runs the items of a batch (1 to BatchLimit), each in its own write
// as Create and Update do, at most batchWorkers at once, and returns one
// result per item in order. An invalid item is its own ValidationError;
// an item that would meet the same profile as an earlier one is a
// ConflictError and does not run. key gives each item's write its
// Idempotency-Key record (nil: none). Only a batch of no items or too many
// is an error of the whole.
func (s *Service) Batch(ctx context.Context, items []BatchItem, key BatchKey) ([]BatchResult, error) {
	if len(items) == 0 || len(items) > BatchLimit {
		return nil, Invalid("items", "must hold 1 to %d items (got %d)", BatchLimit, len(items))
	}
	now := s.now()
	checked := make([]*batchItem, len(items))
	results := make([]BatchResult, len(items))
	for i, it := range items {
		checked[i], results[i].Err = checkBatchItem(it, now)
	}
	for i, d := range duplicates(checked) {
		if d.at >= 0 {
			checked[i], results[i].Err = nil, batchDuplicate(d.at, d.key)
		}
	}
	sem := make(chan struct{}, batchWorkers)
	var wg sync.WaitGroup
	for i, b := range checked {
		if b == nil {
			continue
		}
		once := func(o Outcome) *idempotency.Record {
			if key == nil {
				return nil
			}
			return key(i, o)
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() {
				<-sem
				if v := recover(); v != nil {
					results[i] = BatchResult{Err: fmt.Errorf("batch item %d: panic: %v", i, v)}
				}
			}()
			res := s.runItem(ctx, b, once)
			if key != nil {
				res = s.settleItem(ctx, key(i, res.Outcome), res)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if key != nil {
		// The items refused before running (invalid, or a duplicate in the
		// batch): their keys' records may hold a first run of the batch.
		for i, b := range checked {
			if b == nil {
				results[i] = s.settleItem(ctx, key(i, results[i].Outcome), results[i])
			}
		}
	}
	return results, nil
}

// settleItem answers an item of a keyed batch as its first run did when
// its key was used: when its write met the key's record, or met a state (a
// conflict, a missing profile, nothing left to change) that run may have
// caused, as Keyed does for one request.
func (s *Service) settleItem(ctx context.Context, rec *idempotency.Record, res BatchResult) BatchResult {
	err := res.Err
	if err == nil && res.Outcome == OutcomeUnchanged {
		err = errNothingChanged
	}
	if err == nil {
		return res
	}
	switch r, err := s.settle(ctx, rec, err); {
	case r != nil:
		return BatchResult{Replay: r}
	case errors.Is(err, errNothingChanged):
		return res
	default:
		return BatchResult{Err: err}
	}
}

// runItem runs one checked item: a create, or an upsert's look-up then its
// update or create, again when what it matched moved under it.
func (s *Service) runItem(ctx context.Context, b *batchItem, once func(Outcome) *idempotency.Record) BatchResult {
	if b.op == OpCreate {
		return s.createItem(ctx, b, once)
	}
	for attempt := 0; ; attempt++ {
		id, err := s.match(ctx, b)
		if err != nil {
			return BatchResult{Err: err}
		}
		var res BatchResult
		if id != "" {
			res = s.updateItem(ctx, b, id, once)
			if b.match == MatchID && errors.Is(res.Err, ErrNotFound) {
				id = "" // none at the id: create it there
			}
		}
		if id == "" {
			res = s.createItem(ctx, b, once)
		}
		if attempt < batchRetries && b.matchMoved(res.Err) {
			continue
		}
		return res
	}
}

// matchMoved reports whether err says the profile an upsert matched (or
// found none at) changed since its look-up, so the look-up is worth
// running again.
func (b *batchItem) matchMoved(err error) bool {
	var ce *ConflictError
	switch {
	case errors.Is(err, errMatchMoved):
		return true
	case errors.Is(err, ErrNotFound):
		return b.match != MatchID
	case errors.As(err, &ce) && ce.ExistingID != "":
		// A create that lost to another holding the id or the uuid matched.
		return b.match == MatchUUID || b.match == MatchID && ce.ExistingID == b.id
	}
	return false
}

// match is the id of the one profile an upsert's natural key names: the
// id itself (whether or not it exists), the uuid marker's profile, or the
// one profile holding the email address or phone number ("" for none). A
// value several profiles hold is a ConflictError naming them.
func (s *Service) match(ctx context.Context, b *batchItem) (string, error) {
	if b.match == MatchID {
		return b.id, nil
	}
	f := Filter{}
	switch b.match {
	case MatchUUID:
		f.UUID = &b.value
	case MatchEmail:
		f.Email = &b.value
	case MatchPhone:
		f.Phone = &b.value
	}
	res, err := s.store.List(ctx, ListQuery{Page: Page{Limit: MaxLimit, SortBy: "profileId"}, Filter: f})
	var tb *TooBroadError
	switch {
	case errors.As(err, &tb) || err == nil && res.More:
		return "", &ConflictError{Detail: "more than " + strconv.Itoa(MaxContactMatches) + " profiles have the " + b.match +
			" " + b.value + ": match by id or uuid instead"}
	case err != nil:
		return "", err
	case len(res.Items) == 0:
		return "", nil
	case len(res.Items) == 1:
		return res.Items[0].ID, nil
	}
	ids := make([]string, len(res.Items))
	for i := range res.Items {
		ids[i] = res.Items[i].ID
	}
	return "", &ConflictError{Matches: ids, Detail: strconv.Itoa(len(ids)) + " profiles have the " + b.match + " " + b.value +
		" (" + strings.Join(ids, ", ") + "): match by id or uuid instead"}
}

// updateItem applies an upsert to the profile it matched, or writes
// nothing when the profile holds the item's values already.
func (s *Service) updateItem(ctx context.Context, b *batchItem, id string, once func(Outcome) *idempotency.Record) BatchResult {
	rec := once(OutcomeUpdated)
	var unchanged *Profile
	p, err := s.store.Update(ctx, id, Precondition{}, func(p *Profile) error {
		if !b.heldBy(p) {
			return errMatchMoved
		}
		changed, err := p.Upsert(b.in, s.now())
		switch {
		case err != nil:
			return err
		case !changed:
			unchanged = p.Clone()
			return errUnchanged
		}
		if rec != nil {
			rec.ProfileID = p.ID
		}
		return nil
	}, rec)
	switch {
	case errors.Is(err, errUnchanged):
		return BatchResult{Outcome: OutcomeUnchanged, Profile: unchanged}
	case err != nil:
		return BatchResult{Err: err}
	}
	return BatchResult{Outcome: OutcomeUpdated, Profile: p}
}

// heldBy reports whether p still holds the value the upsert matched it by.
func (b *batchItem) heldBy(p *Profile) bool {
	switch b.match {
	case MatchUUID:
		return p.UUID == b.value
	case MatchEmail, MatchPhone:
		return p.findValue(b.match, b.value) != nil
	}
	return true
}

// createItem creates the item's profile as Create does; an upsert by id
// creates it at that id.
func (s *Service) createItem(ctx context.Context, b *batchItem, once func(Outcome) *idempotency.Record) BatchResult {
	id := ""
	if b.match == MatchID {
		id = b.id
	}
	p, err := s.create(ctx, b.in, id, once(OutcomeCreated))
	if err != nil {
		return BatchResult{Err: err}
	}
	return BatchResult{Outcome: OutcomeCreated, Profile: p}
}
