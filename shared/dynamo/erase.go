package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// erasureAttr marks a profile item whose erasure began, holding its reason
// (profile.ErasureReason). Reads take such an item for no profile; the
// stream's image of its removal carries the reason, which is how the
// events tell an erasure (Profile Erased) from a removal of an item
// written before erasures were (Profile Deleted).
const erasureAttr = "erasure"

// erasureDeadlineAttr is when the erasure that set the mark answers at the
// latest (its request's deadline). An erasure that finds a mark before then
// (and skew after) meets another under way: the profile ended at that
// mark, before this one read it, so it helps finish and answers
// ErrNotFound, as every request on the profile does from the mark on. A
// mark past it (or without it) was cut short: the erasure that finds it
// finishes it as its own.
const erasureDeadlineAttr = "erasureDeadline"

// clockSkew bounds how far apart the clocks of two processes are.
const clockSkew = 5 * time.Second

// underWay tells whether the erasure whose mark has deadline may still be
// running at now (on another process's clock); a zero deadline (a mark
// without one) is past.
func underWay(deadline, now time.Time) bool {
	return now.Before(deadline.Add(clockSkew))
}

// maxTransactItems is DynamoDB's limit on the items of one transaction.
const maxTransactItems = 100

// chunkItems bounds the other items of an erasure's transactions that go
// before its last one (records and their pointers).
const chunkItems = 50

// Erase removes every item of the profile's partition (the profile, its
// contacts, the pointers to its Idempotency-Key records), those records,
// and its markers, if pre allows its version. It writes in two steps: a
// mark (erasureAttr, the reason) on the profile item, conditioned on the
// version read, then the removal of everything, the profile item last (a
// transaction; several when more than 100 items, the records' first). An
// erasure cut short after its mark is finished by the next, whatever its
// pre: the mark is the decision, and every look-up (contact, uuid, user)
// still finds the marked profile until the last transaction. One that
// finds the mark of an erasure still under way helps it finish and is
// ErrNotFound: that erasure's mark ended the profile before this one read
// it (two DELETEs both answering 204 is no order of the two).
func (s *Store) Erase(ctx context.Context, id string, pre profile.Precondition, reason profile.ErasureReason) error {
	err := s.erase(ctx, id, reason, onChanged(pre), func(p *profile.Profile) (expression.ConditionBuilder, error) {
		if !pre.Allows(p.Version) {
			return expression.ConditionBuilder{}, profile.ErrPreconditionFailed
		}
		return expression.ConditionBuilder{}, nil
	})
	if !errors.Is(err, profile.ErrPreconditionFailed) {
		return err
	}
	// As refusedOrGone: what failed the pinned mark may have been the
	// profile's own erasure or deletion, which is the 404 of every request
	// on a profile gone (read from the partition, which the erasure reads
	// anyway, so it needs no permission to GetItem).
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.budget.ReadBackTimeout(ctx))
	defer cancel()
	if part, perr := s.partition(rctx, id); perr == nil && (part.p == nil || part.erasure != "") {
		return profile.ErrNotFound
	}
	return err
}

// errNotMarked stops FinishErasure at a profile no erasure marked.
var errNotMarked = errors.New("no erasure of the profile began")

// FinishErasure completes an erasure whose mark is on the profile item at
// id (erase finishes a marked partition whatever the guard), and erases
// nothing that is not marked: ErrNotFound when there is no marked profile
// at id.
func (s *Store) FinishErasure(ctx context.Context, id string) error {
	err := s.erase(ctx, id, "", nil, func(*profile.Profile) (expression.ConditionBuilder, error) {
		return expression.ConditionBuilder{}, errNotMarked
	})
	if errors.Is(err, errNotMarked) {
		return profile.ErrNotFound
	}
	return err
}

// erase marks the profile for reason, if guard allows the profile read
// (guard may add to the mark's condition; its zero ConditionBuilder adds
// nothing), then removes it. onChanged is retryWrite's: what a mark whose
// condition failed answers (nil: read again and retry).
func (s *Store) erase(ctx context.Context, id string, reason profile.ErasureReason, onChanged error,
	guard func(*profile.Profile) (expression.ConditionBuilder, error)) error {
	if !profile.ValidID(id) {
		return profile.ErrNotFound
	}
	// marked is the partition as the mark found it, which the removal's
	// first attempt deletes: its last transaction is conditioned on the
	// version read, so any write since makes it read again.
	var marked *partition
	// another: the mark is an erasure's under way, not this one's.
	another := false
	err := s.retryWrite(ctx, onChanged, func() error {
		part, err := s.partition(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case part.p == nil:
			return profile.ErrNotFound
		case part.erasure != "":
			marked = &part // finish it, whether cut short or under way
			another = underWay(part.erasureDeadline, s.budget.Now())
			return nil
		}
		extra, err := guard(part.p)
		if err != nil {
			return err
		}
		cond := expression.Name("version").Equal(expression.Value(part.p.Version)).And(sameCopy(part.copy)).
			And(expression.AttributeNotExists(expression.Name(erasureAttr)))
		if extra.IsSet() {
			cond = cond.And(extra)
		}
		deadline := profile.FormatTime(s.budget.Deadline(ctx))
		// The mark also moves the item to the erasing partition of the
		// list indexes (erasingPK): out of every listing, and where the
		// retention job finds it should the removal never come.
		expr, err := expression.NewBuilder().WithCondition(cond).
			WithUpdate(expression.Set(expression.Name(erasureAttr), expression.Value(string(reason))).
				Set(expression.Name(erasureDeadlineAttr), expression.Value(deadline)).
				Set(expression.Name(listPartitionAttr), expression.Value(erasingPK(shardOf(id, s.shards))))).Build()
		if err != nil {
			return err
		}
		if err := s.commit(ctx, write{op: opUpdate, profileID: id, cond: expr, exact: true}); err != nil {
			return err
		}
		part.erasure = string(reason)
		marked = &part
		return nil
	})
	if err != nil {
		return err
	}
	reused := map[string]bool{} // records whose key another profile's request took since
	err = s.retryWrite(ctx, nil, func() error {
		part := marked
		if marked = nil; part == nil {
			p, err := s.partition(ctx, id)
			if err != nil {
				return err
			}
			part = &p
		}
		err := s.removeMarked(ctx, id, *part, reused)
		var kr *keyReusedError
		if errors.As(err, &kr) {
			reused[kr.pk] = true
			return errTxConflict
		}
		return err
	})
	switch {
	case another && reason != "":
		// The profile ended at the other erasure's mark, whether or not
		// this one's help with the removal got through. (A finish,
		// FinishErasure, answers for the removal it helped with.)
		return profile.ErrNotFound
	case err != nil:
		// The mark, this erasure's decision, is written: the profile has
		// ended for every read and write, and only the removal of its
		// items, which the next erasure finishes, failed. Not an answer
		// that says nothing happened.
		return fmt.Errorf("%w: the erasure began (its mark is written) and the removal of its items did not finish: %v",
			profile.ErrOutcomeUnknown, err) //nolint:errorlint // text only: the answer is outcome-unknown, whatever err was
	}
	return nil
}

// partition is what a profile's partition holds.
type partition struct {
	p       *profile.Profile     // nil: no profile item (or a fence)
	copy    types.AttributeValue // the profile item's copyId
	erasure string               // the reason of an erasure under way, "" for none
	// erasureDeadline is when the erasure that marked it answers at the
	// latest (zero: a mark without one).
	erasureDeadline time.Time
	contact         []map[string]types.AttributeValue
	keyRefs         []keyRef // the pointers to Idempotency-Key records
	other           []map[string]types.AttributeValue
}

// keyRef is a pointer item: its own key, and the record's partition key.
type keyRef struct {
	key      map[string]types.AttributeValue
	recordPK string
}

// partition reads every item of the profile's partition, strongly
// consistent: the profile item, its contact items and its pointers to
// Idempotency-Key records.
func (s *Store) partition(ctx context.Context, id string) (partition, error) {
	var part partition
	kc := expression.Key("PK").Equal(expression.Value(profileKey(id)))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return part, err
	}
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true), KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return part, classify(err)
		}
		for _, it := range page.Items {
			sk := stringAttr(it, "SK")
			k := key(profileKey(id), sk)
			switch {
			case sk == profileSK:
				p, err := decodeProfile(it)
				if err != nil {
					return part, err
				}
				if p.ID != "" { // not a version 2 fence
					part.p, part.copy, part.erasure = p, it[copyAttr], stringAttr(it, erasureAttr)
					if t := stringAttr(it, erasureDeadlineAttr); t != "" {
						part.erasureDeadline = parseTime(t)
					}
				} else {
					part.other = append(part.other, k)
				}
			case strings.HasPrefix(sk, contactPrefix):
				part.contact = append(part.contact, k)
			case strings.HasPrefix(sk, keyRefPrefix):
				part.keyRefs = append(part.keyRefs, keyRef{key: k, recordPK: idempotencyPrefix + strings.TrimPrefix(sk, keyRefPrefix)})
			default:
				part.other = append(part.other, k)
			}
		}
	}
	return part, nil
}

// keyReusedError is the delete of an Idempotency-Key record refused
// because the record is no longer about the profile: it expired and its
// key was used again for another's request.
type keyReusedError struct{ pk string }

func (e *keyReusedError) Error() string {
	return "the Idempotency-Key record " + e.pk + " is another profile's now"
}

// removeMarked removes a marked profile's items, as part read them: its partition, its
// markers and its Idempotency-Key records (but those in reused). The last
// transaction deletes the profile item, its markers and its contact items
// (at most 50: every look-up keeps finding the marked profile until then),
// with the record pairs when all fit; else they go before, in
// transactions of their own of 50 items, each checking the mark. A
// profile found unmarked was erased and created again meanwhile (a
// user's): it is not this erasure's.
func (s *Store) removeMarked(ctx context.Context, id string, part partition, reused map[string]bool) error {
	if part.p == nil || part.erasure == "" {
		return nil
	}
	p := part.p
	var last []otherItem
	last = append(last, s.markerWrites(id, p.UUID, "", uuidField)...)
	last = append(last, s.markerWrites(id, userMarked(p), "", userField)...)
	for _, k := range part.contact {
		last = append(last, otherItem{tx: types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: k}}})
	}
	// Groups go whole into one transaction: a record and its pointer.
	var groups [][]otherItem
	for _, k := range part.other {
		groups = append(groups, []otherItem{{tx: types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: k}}}})
	}
	for _, ref := range part.keyRefs {
		g := []otherItem{{tx: types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: ref.key}}}}
		if !reused[ref.recordPK] {
			g = append(g, s.recordDelete(ref.recordPK, id))
		}
		groups = append(groups, g)
	}
	// The record pairs join the last transaction when they all fit, else
	// go before it in transactions of chunkItems: a transaction's latency
	// grows with its items, and each call must settle within its timeout.
	if n := len(last) + 2*len(part.keyRefs) + len(part.other); n < maxTransactItems {
		for _, g := range groups {
			last = append(last, g...)
		}
		groups = nil
	}
	marked := expression.AttributeExists(expression.Name(erasureAttr))
	for len(groups) > 0 {
		// The profile item's part in these is a check that it is still
		// marked: an update that sets the mark it holds (changing
		// nothing, so the stream shows nothing), where a ConditionCheck
		// would need a permission of its own.
		w := write{op: opUpdate, profileID: id, exact: true}
		w.cond, w.condErr = expression.NewBuilder().WithCondition(marked).
			WithUpdate(expression.Set(expression.Name(erasureAttr), expression.Value(part.erasure))).Build()
		for len(groups) > 0 && len(w.others)+len(groups[0]) < chunkItems {
			w.others = append(w.others, groups[0]...)
			groups = groups[1:]
		}
		if err := s.commit(ctx, w); err != nil {
			return err
		}
	}
	w := write{op: opDelete, profileID: id, others: last}
	w.cond, w.condErr = expression.NewBuilder().WithCondition(
		expression.Name("version").Equal(expression.Value(p.Version)).And(sameCopy(part.copy)).And(marked)).Build()
	return s.commit(ctx, w)
}

// recordDelete deletes an Idempotency-Key record of the profile's, on the
// condition that it still is: a record that expired may have been taken
// again by another profile's request (keyReusedError).
func (s *Store) recordDelete(pk, profileID string) otherItem {
	return otherItem{keyRecord: pk, tx: types.TransactWriteItem{Delete: &types.Delete{
		TableName: &s.table, Key: key(pk, markerSK),
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR profileId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: profileID}},
	}}}
}

// ProfileIDsByContact returns the ids of every profile with a contact of
// the key and value, however many (an erasure must reach them all; a
// listing caps them instead). The byContact index is eventually
// consistent: a contact added a moment ago may not be in it yet.
func (s *Store) ProfileIDsByContact(ctx context.Context, key, value string) ([]string, error) {
	return s.contactProfileIDs(ctx, contactLookup(key, value), 0)
}

// contactProfileIDs reads the byContact index: the ids of the profiles
// with a contact of the lookup value, each once, in the index's order. With
// a limit above 0 it stops once it has more than limit.
func (s *Store) contactProfileIDs(ctx context.Context, lookup string, limit int) ([]string, error) {
	if len(lookup) > maxPartitionKey {
		return nil, nil // no stored value is this long (validation bounds them)
	}
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key(contactLookupAttr).Equal(expression.Value(lookup))).Build()
	if err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(contactIndex),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}
	var ids []string
	seen := map[string]bool{}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		for _, it := range out.Items {
			if id := strings.TrimPrefix(stringAttr(it, "PK"), profilePrefix); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if limit > 0 && len(ids) > limit {
			return ids, nil
		}
		if in.ExclusiveStartKey = out.LastEvaluatedKey; in.ExclusiveStartKey == nil {
			return ids, nil
		}
	}
}

// ProfileIDByUUID returns the id of the profile holding the uuid (its
// marker), or ErrNotFound.
func (s *Store) ProfileIDByUUID(ctx context.Context, uuid string) (string, error) {
	id, err := s.profileIDByMarker(ctx, uuidField.prefix+uuid)
	if err == nil && id == "" {
		err = profile.ErrNotFound
	}
	return id, err
}
