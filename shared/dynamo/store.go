// Package dynamo is the only place that knows how profiles are stored in the
// DynamoDB single table: keys, indexes, transactions and attribute values.
package dynamo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// Create writes a new profile, its contacts and its uniqueness markers in one transaction.
func (s *Store) Create(ctx context.Context, p *profile.Profile) error {
	item, err := attributevalue.MarshalMap(toItem(p, s.shards))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}}
	for i := range p.Contacts {
		ci, err := attributevalue.MarshalMap(toContactItem(&p.Contacts[i]).standalone(p.ID))
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: ci}})
	}
	items = append(items, s.markerWrites(p.ID, "", p.UUID, uuidPrefix)...)
	items = append(items, s.markerWrites(p.ID, "", p.UserID, userPrefix)...)
	// A concurrent transaction may hold one of the markers; once it ends,
	// the retry either writes or sees the marker taken (a ConflictError).
	exists := &profile.ConflictError{Detail: "a profile with this id exists already", ExistingID: p.ID}
	return retryWrite(ctx, exists, func() error { return s.commit(ctx, p.ID, items) })
}

// settleTimeout bounds the calls that settle a write whose outcome is unknown.
const settleTimeout = time.Second

// fenceTTL is how long a create's fence item lives (DynamoDB's TTL deletes it).
const fenceTTL = time.Hour

// commit runs a profile's write transaction, whose first item writes or
// deletes the profile item on a condition (attribute_not_exists(PK) for a
// create, version = :v otherwise). When the outcome is unknown (the
// deadline passed or the connection failed, perhaps while DynamoDB was
// applying it), commit settles it beyond the request's deadline: it fences
// the profile item with a write on the same condition, so a transaction
// still in flight can no longer land, and then knows. A fence that applies
// means ours did not land (503); a fence refused means something landed
// first: ours if the item carries our writeId (or, for a delete, is gone).
// So a client is told 503 only for a write that did not and will not happen.
func (s *Store) commit(ctx context.Context, profileID string, items []types.TransactWriteItem) error {
	writeID := newWriteID()
	if put := items[0].Put; put != nil {
		put.Item["writeId"] = &types.AttributeValueMemberS{Value: writeID}
	}
	err := s.transact(ctx, items)
	if !errors.Is(err, profile.ErrUnavailable) {
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	fenced, ferr := s.fence(sctx, profileID, items[0])
	if ferr != nil || fenced {
		return err
	}
	out, gerr := s.db.GetItem(sctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(profileKey(profileID), profileSK), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("writeId"),
	})
	if gerr != nil {
		return err
	}
	if items[0].Delete != nil {
		if out.Item == nil {
			return nil
		}
		return err
	}
	if w, ok := out.Item["writeId"].(*types.AttributeValueMemberS); ok && w.Value == writeID {
		return nil
	}
	return err
}

// fence makes the condition of a write's profile item false for good, if
// it still holds: for a create, an inert item takes the id (it has no
// profileId, reads treat it as absent, and TTL removes it); otherwise the
// version moves on by one. It reports whether it applied.
func (s *Store) fence(ctx context.Context, profileID string, first types.TransactWriteItem) (bool, error) {
	var err error
	if first.Put != nil && aws.ToString(first.Put.ConditionExpression) == "attribute_not_exists(PK)" {
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &s.table,
			Item: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: profileKey(profileID)}, "SK": &types.AttributeValueMemberS{Value: profileSK},
				"type":      &types.AttributeValueMemberS{Value: "fence"},
				"expiresAt": &types.AttributeValueMemberN{Value: itoa(time.Now().Add(fenceTTL).Unix())},
			},
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		})
	} else {
		var v map[string]types.AttributeValue
		if first.Put != nil {
			v = first.Put.ExpressionAttributeValues
		} else {
			v = first.Delete.ExpressionAttributeValues
		}
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(profileKey(profileID), profileSK),
			UpdateExpression:          aws.String("SET version = version + :one"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": v[":v"], ":one": number(1)},
		})
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	return err == nil, err
}

func newWriteID() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
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
// first: ErrPreconditionFailed under If-Match, else nil (read again, retry).
func onChanged(match profile.Match) error {
	if match != nil {
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
// one transaction conditioned on the version read. match, when not nil,
// holds the versions the client saw: another one is ErrPreconditionFailed.
// Without it a concurrent write makes Update read again and retry, so a
// newer version is never overwritten with older data.
func (s *Store) Update(ctx context.Context, id string, match profile.Match, change func(*profile.Profile) error) (*profile.Profile, error) {
	var after *profile.Profile
	err := retryWrite(ctx, onChanged(match), func() error {
		before, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if !match.Allows(before.Version) {
			return profile.ErrPreconditionFailed
		}
		after = clone(before)
		if err := change(after); err != nil {
			return err
		}
		after.Version = before.Version + 1
		items, err := s.updateWrites(before, after)
		if err != nil {
			return err
		}
		return s.commit(ctx, id, items)
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

// Delete removes a profile, its contacts and its markers in one transaction.
func (s *Store) Delete(ctx context.Context, id string, match profile.Match) error {
	return retryWrite(ctx, onChanged(match), func() error {
		p, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if !match.Allows(p.Version) {
			return profile.ErrPreconditionFailed
		}
		items := []types.TransactWriteItem{{Delete: &types.Delete{
			TableName: &s.table, Key: key(profileKey(id), profileSK),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(p.Version)},
		}}}
		for _, c := range p.Contacts {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: key(profileKey(id), contactPrefix+c.ID),
			}})
		}
		items = append(items, s.markerWrites(id, p.UUID, "", uuidPrefix)...)
		items = append(items, s.markerWrites(id, p.UserID, "", userPrefix)...)
		return s.commit(ctx, id, items)
	})
}

// updateWrites is the transaction that turns before into after: the profile
// item guarded by its version, the contact items that changed, and the
// markers of a changed uuid or userId.
func (s *Store) updateWrites(before, after *profile.Profile) ([]types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(toItem(after, s.shards))
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: &s.table, Item: item,
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(before.Version)},
	}}}
	for i := range after.Contacts {
		c := &after.Contacts[i]
		if old := before.Contact(c.ID); old != nil && *old == *c {
			continue
		}
		ci, err := attributevalue.MarshalMap(toContactItem(c).standalone(after.ID))
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: ci}})
	}
	for _, c := range before.Contacts {
		if after.Contact(c.ID) == nil {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: key(profileKey(after.ID), contactPrefix+c.ID),
			}})
		}
	}
	items = append(items, s.markerWrites(after.ID, before.UUID, after.UUID, uuidPrefix)...)
	items = append(items, s.markerWrites(after.ID, before.UserID, after.UserID, userPrefix)...)
	return items, nil
}

// markerWrites moves a uniqueness marker from old to new: the new one must
// not exist yet, the old one is removed.
func (s *Store) markerWrites(profileID, old, new, prefix string) []types.TransactWriteItem {
	if old == new {
		return nil
	}
	var items []types.TransactWriteItem
	if old != "" {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table, Key: key(prefix+old, markerSK),
		}})
	}
	if new != "" {
		m, _ := attributevalue.MarshalMap(markerItem{PK: prefix + new, SK: markerSK, Type: strings.ToLower(strings.TrimSuffix(prefix, "#")), ProfileID: profileID})
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: m,
			ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	return items
}

// ProfileIDByMarker returns the profile holding a unique value ("" when none).
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
	id, err := s.profileIDByMarker(ctx, userPrefix+userID)
	if err == nil && id == "" {
		err = profile.ErrNotFound
	}
	return id, err
}

// maxPartitionKey is DynamoDB's limit on a partition key's size in bytes.
const maxPartitionKey = 2048

func clone(p *profile.Profile) *profile.Profile {
	c := *p
	c.Tags = append([]string{}, p.Tags...)
	c.Contacts = append([]profile.Contact{}, p.Contacts...)
	return &c
}

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
