// Package dynamo is the only place that knows how profiles are stored in the
// DynamoDB single table: keys, indexes, transactions and attribute values.
package dynamo

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// Store reads and writes profiles in one DynamoDB table.
type Store struct {
	db     *dynamodb.Client
	table  string
	shards int
}

// New returns a Store on the table; shards is the number of list index
// partitions a profile is spread over (1 unless the table is very hot).
func New(db *dynamodb.Client, table string, shards int) *Store {
	if shards < 1 {
		shards = 1
	}
	return &Store{db: db, table: table, shards: shards}
}

// Create writes a new profile, its contacts and its uniqueness markers in
// one transaction, with the Idempotency-Key once (nil: none).
func (s *Store) Create(ctx context.Context, p *profile.Profile, once *idempotency.Record) error {
	// A create turns no profile into p.
	w, err := s.profileWrite(opCreate, &profile.Profile{}, p)
	if err != nil {
		return err
	}
	if err := s.takeKey(&w, once); err != nil {
		return err
	}
	// A concurrent transaction may hold one of the markers; once it ends,
	// the retry either writes or sees the marker taken (a ConflictError).
	exists := &profile.ConflictError{Detail: "a profile with this id exists already", ExistingID: p.ID}
	return retryWrite(ctx, exists, func() error { return s.commit(ctx, w) })
}

// retryWrite runs write until it meets no transaction conflict and, when
// onChanged is nil, no concurrent change of the version it read; it waits a
// jittered backoff between tries and gives up when ctx ends
// (ErrUnavailable). When the version changed and onChanged is not nil,
// retryWrite returns onChanged at once.
func retryWrite(ctx context.Context, onChanged error, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		switch {
		case errors.Is(err, errTxConflict):
		case errors.Is(err, errVersionChanged):
			if onChanged != nil {
				return onChanged
			}
		default:
			return err
		}
		if err := backoff(ctx, attempt); err != nil {
			return classify(err)
		}
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
	if !profile.ValidID(id) {
		return nil, profile.ErrNotFound
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: key(profileKey(id), profileSK),
	})
	if err != nil {
		return nil, classify(err)
	}
	if out.Item == nil {
		return nil, profile.ErrNotFound
	}
	p, err := decodeProfile(out.Item)
	if err == nil && p.ID == "" {
		return nil, profile.ErrNotFound // the fence of a create that never landed
	}
	return p, err
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

// Update reads the profile, lets change modify it, and writes the result in
// one transaction conditioned on the version read, with the
// Idempotency-Key once (nil: none; change may complete its record). pre
// must allow that version (else ErrPreconditionFailed). When pre is pinned
// to the versions the client saw, a concurrent write is
// ErrPreconditionFailed; otherwise it makes Update read again and retry, so
// a newer version is never overwritten with older data.
func (s *Store) Update(ctx context.Context, id string, pre profile.Precondition, change func(*profile.Profile) error, once *idempotency.Record) (*profile.Profile, error) {
	var after *profile.Profile
	err := retryWrite(ctx, onChanged(pre), func() error {
		before, err := s.Get(ctx, id)
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
		after.Version = before.Version + 1
		w, err := s.profileWrite(opUpdate, before, after)
		if err != nil {
			return err
		}
		if err := s.takeKey(&w, once); err != nil {
			return err
		}
		return s.commit(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

// Delete removes a profile, its contacts and its markers in one transaction.
func (s *Store) Delete(ctx context.Context, id string, pre profile.Precondition) error {
	return retryWrite(ctx, onChanged(pre), func() error {
		p, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if !pre.Allows(p.Version) {
			return profile.ErrPreconditionFailed
		}
		w := write{op: opDelete, profileID: id, version: p.Version}
		for _, c := range p.Contacts {
			w.others = append(w.others, otherItem{tx: types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: key(profileKey(id), contactPrefix+c.ID),
			}}})
		}
		w.others = append(w.others, s.markerWrites(id, p.UUID, "", uuidField)...)
		w.others = append(w.others, s.markerWrites(id, userMarked(p), "", userField)...)
		return s.commit(ctx, w)
	})
}

// profileWrite is the write (a create or an update) that turns before into
// after: the profile item on op's condition (an update's on before's
// version), the contact items that changed, and the markers of a changed
// uuid or userId.
func (s *Store) profileWrite(op writeOp, before, after *profile.Profile) (write, error) {
	item, err := attributevalue.MarshalMap(toItem(after, s.shards))
	if err != nil {
		return write{}, err
	}
	w := write{op: op, profileID: after.ID, version: before.Version, item: item}
	for i := range after.Contacts {
		c := &after.Contacts[i]
		if old := before.Contact(c.ID); old != nil && *old == *c {
			continue
		}
		ci, err := attributevalue.MarshalMap(toContactItem(c).standalone(after.ID))
		if err != nil {
			return write{}, err
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
	return w, nil
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

// backoff waits a fully jittered, exponentially growing delay (up to
// 256 ms) before another optimistic attempt, so many writers of one profile
// spread out instead of retrying in lockstep.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(2*time.Millisecond) << min(attempt, 7)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// Rewrite writes a profile's item and its contacts' items again in the
// current shape (the index keys and the contact look-up this version
// writes), keeping its version: the backfill after a change of shape
// (README, "Moving a deployed stack"). A profile changed meanwhile is read
// again; one deleted meanwhile is ErrNotFound.
func (s *Store) Rewrite(ctx context.Context, id string) error {
	return retryWrite(ctx, nil, func() error {
		p, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		// From the same profile without its contacts: every contact item
		// is written again, the markers stay.
		before := *p
		before.Contacts = nil
		w, err := s.profileWrite(opUpdate, &before, p)
		if err != nil {
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
