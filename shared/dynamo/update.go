package dynamo

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// updateMode is what an update of the profile item is conditioned on.
type updateMode int

const (
	// commute conditions the update only on what the change depends on:
	// it SETs the attributes that changed and ADDs one to the version, so
	// concurrent writes of one profile all land unless they truly clash (a
	// contact add checks the limit and duplicates in its condition).
	commute updateMode = iota
	// pinned conditions the update on the version read (If-Match, or a
	// change that cannot be expressed without it), and sets the next one.
	pinned
	// rewrite writes every attribute in the current shape, on the version
	// read, and keeps it: the backfill.
	rewrite
)

// unwritten are the profile item's attributes an update never SETs from
// the diff: its key, and what the update writes by its own rules.
var unwritten = map[string]bool{"PK": true, "SK": true, "version": true, copyAttr: true, "contacts": true, "contactKeys": true, "contactCount": true, "touchTime": true}

// guarded are the attributes whose old value the rest of the write relies
// on (a uniqueness marker to delete): a change is conditioned on it.
var guarded = []string{"uuid", "userId"}

// unchanging are the profile's attributes no update changes.
var unchanging = map[string]bool{"profileId": true, "createTime": true}

// profileUpdate is the update of the profile item that turns before into
// after at now, and whether it is exact (conditioned on before's version).
// stored is how the stored item lays out its contacts (read).
func (s *Store) profileUpdate(before, after *profile.Profile, mode updateMode, stored layout, now time.Time) (expression.Expression, bool, error) {
	bm, err := attributevalue.MarshalMap(toItem(before, s.shards))
	if err != nil {
		return expression.Expression{}, false, err
	}
	am, err := attributevalue.MarshalMap(toItem(after, s.shards))
	if err != nil {
		return expression.Expression{}, false, err
	}
	u := &updateBuilder{cond: expression.AttributeExists(expression.Name("profileId"))}
	if mode == commute && !u.contactsCommute(before.Contacts, after.Contacts, am, stored) {
		mode = pinned
	}
	if mode != commute {
		u.set("contacts", am["contacts"])
		u.set("contactCount", am["contactCount"])
		if keys, ok := am["contactKeys"]; ok {
			u.set("contactKeys", keys)
		} else {
			u.upd = u.upd.Remove(expression.Name("contactKeys"))
		}
	}
	changed := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(am)) {
		if !unwritten[name] && (mode == rewrite || !reflect.DeepEqual(am[name], bm[name])) {
			u.set(name, am[name])
			changed[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(bm)) {
		if _, ok := am[name]; !ok && !unwritten[name] {
			u.upd = u.upd.Remove(expression.Name(name))
			changed[name] = true
		}
	}
	// Whatever the mode, the write applies to the copy of the profile it
	// read, never to one deleted and created again since, nor to one whose
	// erasure began since it read: the erasure's mark, which leaves the
	// version as it was, is the moment the profile ended (Erase).
	u.and(sameCopy(stored.copy))
	u.and(expression.AttributeNotExists(expression.Name(erasureAttr)))
	var touched expression.OperandBuilder = expression.Value(profile.FormatTime(now))
	switch mode {
	case commute:
		// The write holds every field of the profile it does not change
		// to the value it read, so it applies to exactly what its change
		// read: a field the request names with the value it read is
		// neither written nor left to a concurrent write to change
		// beneath it (issue 25, defects 1 and 2: "never a mix"). Derived
		// attributes (byName, listPK) follow from the fields.
		for _, f := range profileAttributes {
			if !changed[f] && !unwritten[f] && !unchanging[f] {
				u.holds(f, bm[f])
			}
		}
		for _, f := range guarded {
			if changed[f] {
				u.holds(f, bm[f])
			}
		}
		u.upd = u.upd.Add(expression.Name("version"), expression.Value(1))
	case pinned:
		u.holds("version", number(before.Version))
		u.set("version", number(before.Version+1))
	case rewrite:
		u.holds("version", number(before.Version))
		// The backfill keeps a later touch than the contacts show (a
		// contact removed since).
		touched = expression.IfNotExists(expression.Name("touchTime"), expression.Value(am["touchTime"]))
	}
	u.upd = u.upd.Set(expression.Name("touchTime"), touched)
	expr, err := expression.NewBuilder().WithUpdate(u.upd).WithCondition(u.cond).Build()
	return expr, mode != commute, err
}

// updateBuilder collects an update expression and its condition.
type updateBuilder struct {
	upd  expression.UpdateBuilder
	cond expression.ConditionBuilder
}

func (u *updateBuilder) set(name string, v types.AttributeValue) {
	u.upd = u.upd.Set(expression.Name(name), expression.Value(v))
}

func (u *updateBuilder) and(c expression.ConditionBuilder) { u.cond = u.cond.And(c) }

// holds conditions the update on an attribute still having the value v
// (absent when v is nil).
func (u *updateBuilder) holds(name string, v types.AttributeValue) {
	if v == nil {
		u.and(expression.AttributeNotExists(expression.Name(name)))
		return
	}
	u.and(expression.Name(name).Equal(expression.Value(v)))
}

// maxTombstones is how many removed contacts an item keeps before a write
// on its version drops them. A write that read fewer may still mark more
// (concurrent removals each read the item before the others land), but an
// add holds the list to maxEntries, so the item never carries more than
// maxEntries entries, live or removed.
const maxTombstones = 16

// maxEntries bounds an item's embedded contact entries, removed ones counted.
const maxEntries = profile.MaxContacts + maxTombstones

// contactsCommute adds the change of the embedded contacts to the update
// when it commutes with other writes, and reports whether it did: none;
// contacts appended (a condition keeps the limit on contactCount, the
// entries to maxEntries, and finds duplicates in contactKeys); or contacts
// removed, each replaced by a tombstone in its place (a condition checks it
// is still there, unchanged), so concurrent removals do not move each
// other's places. Any other change,
// and one on an item with many tombstones, needs the version.
func (u *updateBuilder) contactsCommute(before, after []profile.Contact, am map[string]types.AttributeValue, stored layout) bool {
	if slices.Equal(before, after) {
		return true
	}
	if stored.legacy || stored.tombstones >= maxTombstones {
		return false
	}
	if len(after) > len(before) && slices.Equal(before, after[:len(before)]) {
		added := am["contacts"].(*types.AttributeValueMemberL).Value[len(before):]
		keys := make([]string, 0, len(added))
		u.and(expression.Name("contactCount").LessThanEqual(expression.Value(profile.MaxContacts - len(added))))
		u.and(expression.Size(expression.Name("contacts")).LessThanEqual(expression.Value(maxEntries - len(added))))
		for _, c := range after[len(before):] {
			k := contactLookup(c.Key, c.Value)
			keys = append(keys, k)
			u.and(expression.Not(expression.Contains(expression.Name("contactKeys"), k)))
		}
		u.upd = u.upd.Set(expression.Name("contacts"), expression.ListAppend(expression.Name("contacts"), expression.Value(&types.AttributeValueMemberL{Value: added})))
		u.upd = u.upd.Add(expression.Name("contactKeys"), expression.Value(&types.AttributeValueMemberSS{Value: keys}))
		u.upd = u.upd.Add(expression.Name("contactCount"), expression.Value(len(added)))
		return true
	}
	removed, ok := removedAt(before, after)
	if !ok {
		return false
	}
	keys := make([]string, 0, len(removed))
	for _, i := range removed {
		c := before[i]
		place, ok := stored.places[c.ID]
		if !ok {
			return false
		}
		at := fmt.Sprintf("contacts[%d]", place)
		u.and(expression.Name(at + ".contactId").Equal(expression.Value(c.ID)))
		u.and(expression.Name(at + ".version").Equal(expression.Value(c.Version)))
		u.and(expression.AttributeNotExists(expression.Name(at + ".removed")))
		// The entry keeps only what the protocol needs (its id and version,
		// which later removals' conditions name, and the mark): never the
		// contact's value, uuid or flags, which the page indexes would
		// otherwise keep projecting after the removal was acknowledged.
		u.set(at, tombstone(c))
		keys = append(keys, contactLookup(c.Key, c.Value))
	}
	u.upd = u.upd.Delete(expression.Name("contactKeys"), expression.Value(&types.AttributeValueMemberSS{Value: keys}))
	u.upd = u.upd.Add(expression.Name("contactCount"), expression.Value(-len(removed)))
	return true
}

// tombstone is the entry a removed contact leaves in its place.
func tombstone(c profile.Contact) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"contactId": &types.AttributeValueMemberS{Value: c.ID},
		"version":   number(c.Version),
		"removed":   &types.AttributeValueMemberBOOL{Value: true},
	}}
}

// removedAt returns the places in before of the contacts after lacks, when
// after is before with only those removed.
func removedAt(before, after []profile.Contact) ([]int, bool) {
	var removed []int
	j := 0
	for i := range before {
		if j < len(after) && before[i] == after[j] {
			j++
			continue
		}
		removed = append(removed, i)
	}
	return removed, j == len(after) && len(removed) > 0
}
