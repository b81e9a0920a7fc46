// Package dynamo is the only place that knows how profiles are stored in the
// DynamoDB single table: keys, indexes, transactions and attribute values.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/metrics"
	"github.com/profiles-service/profiles/shared/profile"
)

// Store reads and writes profiles in one DynamoDB table.
type Store struct {
	db     *dynamodb.Client
	table  string
	shards int
	budget budget.Budget // the time a write may take, and the clock of what it writes

	mu        sync.Mutex
	downSince map[string]time.Time // page indexes found not ACTIVE, and when
}

// New returns a Store on the table; shards is the number of list index
// partitions a profile is spread over (1 unless the table is very hot).
// Without options its writes have the default budget (budget.Default).
func New(db *dynamodb.Client, table string, shards int, opts ...Option) *Store {
	if shards < 1 {
		shards = 1
	}
	s := &Store{db: db, table: table, shards: shards, budget: budget.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Option is a setting of New.
type Option func(*Store)

// WithBudget gives the store's writes the request's time budget (the
// config's), whose clock also stamps what they write.
func WithBudget(b budget.Budget) Option {
	return func(s *Store) { s.budget = b.Filled() }
}

// Create writes a new profile, its contacts and its uniqueness markers in
// one transaction, with the Idempotency-Key once (nil: none).
func (s *Store) Create(ctx context.Context, p *profile.Profile, once *idempotency.Record) error {
	item, err := attributevalue.MarshalMap(toItem(p, s.shards))
	if err != nil {
		return err
	}
	w := write{op: opCreate, profileID: p.ID, item: item}
	if err := s.changedItems(&w, &profile.Profile{}, p); err != nil {
		return err
	}
	if err := s.takeKey(&w, once); err != nil {
		return err
	}
	// A concurrent transaction may hold one of the markers; once it ends,
	// the retry either writes or sees the marker taken (a ConflictError).
	exists := &profile.ConflictError{Detail: "a profile with this id exists already", ExistingID: p.ID}
	return s.retryWrite(ctx, exists, func() error { return s.commit(ctx, w) })
}

// retryWrite runs write until it meets no transaction conflict and, when
// onChanged is nil, no concurrent change its condition refused; it waits a
// capped, fully jittered exponential backoff between tries, and gives up
// (ErrUnavailable: nothing landed) when too little time is left for
// another. When the version changed and onChanged is not nil, retryWrite
// returns onChanged at once.
func (s *Store) retryWrite(ctx context.Context, onChanged error, write func() error) error {
	deadline := s.budget.Deadline(ctx)
	for attempt := 1; ; attempt++ {
		err := write()
		switch {
		case errors.Is(err, errTxConflict):
			metrics.Add(ctx, metrics.WriteConflictRetried, 1)
		case errors.Is(err, errVersionChanged):
			if onChanged != nil {
				return onChanged
			}
			metrics.Add(ctx, metrics.WriteConflictRetried, 1)
		default:
			return err
		}
		pause := backoffDelay(attempt)
		if !s.budget.CanStart(s.budget.Until(deadline) - pause) {
			return fmt.Errorf("%w: the profile kept changing (%d tries)", profile.ErrUnavailable, attempt)
		}
		time.Sleep(pause)
	}
}

// onChanged is what a write returns when another one changed the profile
// first: ErrPreconditionFailed when the write was pinned to the version
// the client read, else nil (read again, retry).
func onChanged(pre profile.Precondition) error {
	if pre.Pinned() {
		return profile.ErrPreconditionFailed
	}
	return nil
}

// Get reads a profile with its contacts.
func (s *Store) Get(ctx context.Context, id string) (*profile.Profile, error) {
	p, _, err := s.read(ctx, id)
	return p, err
}

// layout is where a stored profile item keeps its embedded contacts.
type layout struct {
	// legacy: the item predates contactKeys and contactCount, so its
	// contacts change only on its version.
	legacy bool
	// places are the contacts' places in the stored list, tombstones
	// counted; tombstones is how many it holds.
	places     map[string]int
	tombstones int
}

// read reads a profile with its contacts, and how its item lays them out.
func (s *Store) read(ctx context.Context, id string) (*profile.Profile, layout, error) {
	var l layout
	if !profile.ValidID(id) {
		return nil, l, profile.ErrNotFound
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: key(profileKey(id), profileSK),
	})
	if err != nil {
		return nil, l, classify(err)
	}
	if out.Item == nil {
		return nil, l, profile.ErrNotFound
	}
	p, err := decodeProfile(out.Item)
	if err != nil {
		return nil, l, err
	}
	if p.ID == "" {
		return nil, l, profile.ErrNotFound // a version 2 fence
	}
	_, hasKeys := out.Item["contactKeys"]
	_, hasCount := out.Item["contactCount"]
	l.legacy = len(p.Contacts) > 0 && !hasKeys || !hasCount
	l.places = make(map[string]int, len(p.Contacts))
	if list, ok := out.Item["contacts"].(*types.AttributeValueMemberL); ok {
		for i, c := range list.Value {
			m, _ := c.(*types.AttributeValueMemberM)
			if m == nil || removed(m.Value) {
				l.tombstones++
				continue
			}
			l.places[stringAttr(m.Value, "contactId")] = i
		}
	}
	return p, l, nil
}

// GetContact reads one contact item.
func (s *Store) GetContact(ctx context.Context, profileID, contactID string) (*profile.Contact, error) {
	if !profile.ValidID(profileID) || !profile.ValidID(contactID) {
		return nil, profile.ErrNotFound
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: key(profileKey(profileID), contactPrefix+contactID),
	})
	if err != nil {
		return nil, classify(err)
	}
	if out.Item == nil {
		return nil, profile.ErrNotFound
	}
	c, err := decodeContact(out.Item)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Update reads the profile, lets change modify it, and writes the result
// in one transaction with the Idempotency-Key once (nil: none; change may
// complete its record). pre must allow the version read (else
// ErrPreconditionFailed). When pre is pinned to the versions the client
// saw, the write is conditioned on that version, and a concurrent write is
// ErrPreconditionFailed. Otherwise the write commutes with concurrent ones
// where it can (profileUpdate): it changes only what changed, on a
// condition of what the change relies on, and a condition that fails makes
// Update read again and retry, so a newer value is never overwritten with
// older data. It returns the profile as stored after the write.
func (s *Store) Update(ctx context.Context, id string, pre profile.Precondition, change func(*profile.Profile) error, once *idempotency.Record) (*profile.Profile, error) {
	mode := commute
	if pre.Exact() {
		mode = pinned
	}
	var after *profile.Profile
	err := s.retryWrite(ctx, onChanged(pre), func() error {
		before, stored, err := s.read(ctx, id)
		if err != nil {
			return err
		}
		if !pre.Allows(before.Version) {
			return profile.ErrPreconditionFailed
		}
		after = before.Clone()
		if err := change(after); err != nil {
			return err
		}
		w := write{op: opUpdate, profileID: id}
		if w.cond, w.exact, err = s.profileUpdate(before, after, mode, stored, s.budget.Now()); err != nil {
			return err
		}
		if err := s.changedItems(&w, before, after); err != nil {
			return err
		}
		if err := s.takeKey(&w, once); err != nil {
			return err
		}
		if err := s.commit(ctx, w); err != nil {
			return err
		}
		if w.exact {
			after.Version = before.Version + 1
			return nil
		}
		// Writes that commute with ours may have landed beside it: the
		// answer is what is stored. Ours landed whatever this read meets;
		// when it fails, the version is unknown (0: no ETag).
		// The read has what is left of the request's time, and at least
		// the budget's ReadBack (a write that settled late may have used
		// it all): the Lambda's margin holds it.
		after.Version = 0
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.budget.ReadBackTimeout(ctx))
		defer cancel()
		if stored, err := s.Get(rctx, id); err == nil {
			after = stored
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

// Delete removes a profile, its contacts and its markers in one transaction.
func (s *Store) Delete(ctx context.Context, id string, pre profile.Precondition) error {
	return s.retryWrite(ctx, onChanged(pre), func() error {
		p, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if !pre.Allows(p.Version) {
			return profile.ErrPreconditionFailed
		}
		return s.commit(ctx, s.deleteWrite(p, expression.Name("version").Equal(expression.Value(p.Version))))
	})
}

// Purge deletes a profile the retention job found (DisabledBefore) with its
// contacts and markers, if it is still at the version found and neither it
// nor any of its contacts changed since cutoff (touchTime; updateTime on an
// item written before touchTime was); otherwise ErrPreconditionFailed.
func (s *Store) Purge(ctx context.Context, d profile.Disabled, cutoff time.Time) error {
	p, err := s.Get(ctx, d.ID)
	if err != nil {
		return err
	}
	before := expression.Value(profile.FormatTime(cutoff))
	untouched := expression.Name("touchTime").LessThan(before).Or(
		expression.AttributeNotExists(expression.Name("touchTime")).And(expression.Name("updateTime").LessThan(before)))
	err = s.commit(ctx, s.deleteWrite(p, expression.Name("version").Equal(expression.Value(d.Version)).And(untouched)))
	if errors.Is(err, errVersionChanged) {
		return profile.ErrPreconditionFailed
	}
	return err
}

// deleteWrite is the write that deletes p, its contacts and its markers,
// if its item meets cond.
func (s *Store) deleteWrite(p *profile.Profile, cond expression.ConditionBuilder) write {
	w := write{op: opDelete, profileID: p.ID}
	w.cond, w.condErr = expression.NewBuilder().WithCondition(cond).Build()
	for _, c := range p.Contacts {
		w.others = append(w.others, otherItem{tx: types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table, Key: key(profileKey(p.ID), contactPrefix+c.ID),
		}}})
	}
	w.others = append(w.others, s.markerWrites(p.ID, p.UUID, "", uuidField)...)
	w.others = append(w.others, s.markerWrites(p.ID, userMarked(p), "", userField)...)
	return w
}

// changedItems adds to w the items besides the profile item that turn
// before into after: the contact items that changed, and the markers of a
// changed uuid or userId.
func (s *Store) changedItems(w *write, before, after *profile.Profile) error {
	for i := range after.Contacts {
		c := &after.Contacts[i]
		if old := before.Contact(c.ID); old != nil && *old == *c {
			continue
		}
		ci, err := attributevalue.MarshalMap(toContactItem(c).standalone(after.ID))
		if err != nil {
			return err
		}
		w.others = append(w.others, otherItem{tx: types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: ci}}})
	}
	for _, c := range before.Contacts {
		if after.Contact(c.ID) == nil {
			w.others = append(w.others, otherItem{tx: types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: key(profileKey(after.ID), contactPrefix+c.ID),
			}}})
		}
	}
	w.others = append(w.others, s.markerWrites(after.ID, before.UUID, after.UUID, uuidField)...)
	w.others = append(w.others, s.markerWrites(after.ID, userMarked(before), userMarked(after), userField)...)
	return nil
}

// userMarked is the user id a profile's user marker holds, "" when it
// needs none: a profile whose id is derived from its user's
// (profile.UserProfileID) is found, and kept unique, by that id alone.
func userMarked(p *profile.Profile) string {
	if p.UserID == "" || p.ID == profile.UserProfileID(p.UserID) {
		return ""
	}
	return p.UserID
}

// markerWrites moves a uniqueness marker of field from old to new: the new
// one must not exist yet, the old one is removed.
func (s *Store) markerWrites(profileID, old, new string, field uniqueField) []otherItem {
	if old == new {
		return nil
	}
	var items []otherItem
	if old != "" {
		items = append(items, otherItem{tx: types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table, Key: key(field.prefix+old, markerSK),
		}}})
	}
	if new != "" {
		pk := field.prefix + new
		m, _ := attributevalue.MarshalMap(markerItem{PK: pk, SK: markerSK, Type: field.itemType, ProfileID: profileID})
		items = append(items, otherItem{marker: &markerRef{pk: pk, field: field}, tx: types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: m,
			ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}}})
	}
	return items
}

// profileIDByMarker returns the profile holding a unique value ("" when none).
func (s *Store) profileIDByMarker(ctx context.Context, pk string) (string, error) {
	if len(pk) > maxPartitionKey {
		// No stored value is this long (validation bounds them): asking
		// DynamoDB would only be a ValidationException.
		return "", nil
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true), Key: key(pk, markerSK),
	})
	if err != nil {
		return "", classify(err)
	}
	if out.Item == nil {
		return "", nil
	}
	var m markerItem
	err = attributevalue.UnmarshalMap(out.Item, &m)
	return m.ProfileID, err
}

// ProfileIDByUser returns the id of the profile linked to the user, or ErrNotFound.
func (s *Store) ProfileIDByUser(ctx context.Context, userID string) (string, error) {
	id, err := s.profileIDByMarker(ctx, userField.prefix+userID)
	if err == nil && id == "" {
		err = profile.ErrNotFound
	}
	return id, err
}

// maxPartitionKey is DynamoDB's limit on a partition key's size in bytes.
const maxPartitionKey = 2048

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: itoa(n)}
}

// backoffDelay is the pause before another optimistic attempt: capped
// exponential backoff with full jitter (a random delay up to 4 ms, 8 ms,
// ... 256 ms), so many writers of one profile spread out instead of
// retrying in lockstep.
func backoffDelay(attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(2*time.Millisecond) << min(attempt, 7))) //nolint:gosec // G404: jitter needs spread, not unpredictability
}

// backoff waits backoffDelay, or until ctx ends.
func backoff(ctx context.Context, attempt int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(backoffDelay(attempt)):
		return nil
	}
}

// Rewrite writes a profile's item and its contacts' items again in the
// current shape (the index keys, contactKeys and touchTime, and the
// contact look-up this version writes), on and keeping its version: the
// backfill after a change of shape (docs/upgrading.md). A profile changed
// meanwhile is read again; one deleted meanwhile is ErrNotFound.
func (s *Store) Rewrite(ctx context.Context, id string) error {
	return s.retryWrite(ctx, nil, func() error {
		p, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		// From the same profile without its contacts: every contact item
		// is written again, the markers stay.
		before := *p
		before.Contacts = nil
		w := write{op: opUpdate, profileID: id}
		if w.cond, w.exact, err = s.profileUpdate(p, p, rewrite, layout{legacy: true}, s.budget.Now()); err != nil {
			return err
		}
		if err := s.changedItems(&w, &before, p); err != nil {
			return err
		}
		return s.commit(ctx, w)
	})
}

// ProfileIDs pages through the ids of every profile with a Scan: for
// operations tools (the backfill), never for a request. start is the
// previous page's next ("" to begin); next is "" after the last page.
func (s *Store) ProfileIDs(ctx context.Context, start string) (ids []string, next string, err error) {
	in := &dynamodb.ScanInput{TableName: &s.table, ProjectionExpression: aws.String("PK, SK, profileId"),
		FilterExpression: aws.String("SK = :sk"), ExpressionAttributeValues: map[string]types.AttributeValue{":sk": &types.AttributeValueMemberS{Value: profileSK}}}
	if pk, sk, ok := strings.Cut(start, "\x00"); ok {
		in.ExclusiveStartKey = key(pk, sk)
	}
	out, err := s.db.Scan(ctx, in)
	if err != nil {
		return nil, "", classify(err)
	}
	for _, it := range out.Items {
		if id := stringAttr(it, "profileId"); id != "" {
			ids = append(ids, id)
		}
	}
	if out.LastEvaluatedKey != nil {
		next = stringAttr(out.LastEvaluatedKey, "PK") + "\x00" + stringAttr(out.LastEvaluatedKey, "SK")
	}
	return ids, next, nil
}
