// Package dynamo is the only place that knows how profiles are stored in the
// DynamoDB single table: keys, indexes, transactions and attribute values.
package dynamo

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/idempotency"
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
	item[copyAttr] = &types.AttributeValueMemberS{Value: profile.NewID(s.budget.Now())}
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

// Get reads a profile with its contacts.
func (s *Store) Get(ctx context.Context, id string) (*profile.Profile, error) {
	p, _, err := s.read(ctx, id)
	return p, err
}

// copyAttr is the profile item's copyId: random, written by Create and
// never changed. Versions start again at 1 when a profile is deleted and
// created again at the same id (a user's profile, whose id derives from
// the user's), so a write conditioned on the version it read could land on
// the new copy; every write of the profile item holds its copyId too.
const copyAttr = "copyId"

// sameCopy is the condition that the item is the copy whose copyId was
// read (nil: an item written before copyIds, which has none).
func sameCopy(copy types.AttributeValue) expression.ConditionBuilder {
	if copy == nil {
		return expression.AttributeNotExists(expression.Name(copyAttr))
	}
	return expression.Name(copyAttr).Equal(expression.Value(copy))
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
	// copy is the item's copyId (nil on an item written before it): which
	// copy of the profile was read, so a write never lands on another
	// one created at the same id since, at the same version.
	copy types.AttributeValue
}

// Held reads a profile with its contacts and its touchTime: everything the
// table holds about it (the contact items and markers repeat what the
// profile item holds; design.md, "The table").
func (s *Store) Held(ctx context.Context, id string) (*profile.Held, error) {
	p, item, err := s.readItem(ctx, id)
	if err != nil {
		return nil, err
	}
	h := &profile.Held{Profile: p, TouchTime: profile.LatestChange(p)}
	if t := stringAttr(item, "touchTime"); t != "" {
		// An item written before touchTime lacks it: the backfill writes
		// the latest change its times show.
		h.TouchTime = parseTime(t)
	}
	return h, nil
}

// readItem reads a profile's item and the profile it holds.
func (s *Store) readItem(ctx context.Context, id string) (*profile.Profile, map[string]types.AttributeValue, error) {
	if !profile.ValidID(id) {
		return nil, nil, profile.ErrNotFound
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: key(profileKey(id), profileSK),
	})
	if err != nil {
		return nil, nil, classify(err)
	}
	if out.Item == nil {
		return nil, nil, profile.ErrNotFound
	}
	p, err := decodeProfile(out.Item)
	if err != nil {
		return nil, nil, err
	}
	if p.ID == "" || stringAttr(out.Item, erasureAttr) != "" {
		return nil, nil, profile.ErrNotFound // a version 2 fence, or a profile whose erasure began
	}
	return p, out.Item, nil
}

// read reads a profile with its contacts, and how its item lays them out.
func (s *Store) read(ctx context.Context, id string) (*profile.Profile, layout, error) {
	var l layout
	p, item, err := s.readItem(ctx, id)
	if err != nil {
		return nil, l, err
	}
	l.copy = item[copyAttr]
	_, hasKeys := item["contactKeys"]
	_, hasCount := item["contactCount"]
	l.legacy = len(p.Contacts) > 0 && !hasKeys || !hasCount
	l.places = make(map[string]int, len(p.Contacts))
	if list, ok := item["contacts"].(*types.AttributeValueMemberL); ok {
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

// GetContact reads one contact from its profile's item, which holds every
// contact too: a contact item alone would still answer while its
// profile's erasure is under way, after the mark that ended the profile
// (a read 404 before it, the contact 200 after).
func (s *Store) GetContact(ctx context.Context, profileID, contactID string) (*profile.Contact, error) {
	if !profile.ValidID(contactID) {
		return nil, profile.ErrNotFound
	}
	p, _, err := s.readItem(ctx, profileID)
	if err != nil {
		return nil, err
	}
	c := p.Contact(contactID)
	if c == nil {
		return nil, profile.ErrNotFound
	}
	return c, nil
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
		return nil, s.refusedOrGone(ctx, id, err)
	}
	return after, nil
}

// refusedOrGone is a pinned write's 412, unless what failed its condition
// was the profile's deletion: then it is the 404 that every request on a
// deleted profile gets, If-Match or not, as when the read finds none.
func (s *Store) refusedOrGone(ctx context.Context, id string, err error) error {
	if !errors.Is(err, profile.ErrPreconditionFailed) {
		return err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.budget.ReadBackTimeout(ctx))
	defer cancel()
	if _, _, rerr := s.read(rctx, id); errors.Is(rerr, profile.ErrNotFound) {
		return profile.ErrNotFound
	}
	return err
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
