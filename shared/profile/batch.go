package profile

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// BatchLimit is the most items one batch takes.
const BatchLimit = 100

// The operations of a batch item.
const (
	OpCreate = "create" // create the profile, as Service.Create does
	OpUpsert = "upsert" // update the profile the item's natural key matches, or create it
)

// The natural keys an upsert matches a profile by.
const (
	MatchID    = "id"    // the profile id: updates it, or creates the profile at that id
	MatchUUID  = "uuid"  // the profile's uuid (its marker)
	MatchEmail = "email" // the value of the item's one email contact
	MatchPhone = "phone" // the value of the item's one phone contact
)

// Outcome is what a batch item that succeeded did.
type Outcome string

// The outcomes of a batch item.
const (
	OutcomeCreated   Outcome = "created"   // a new profile
	OutcomeUpdated   Outcome = "updated"   // the matched profile changed
	OutcomeUnchanged Outcome = "unchanged" // the matched profile held the item's values already: nothing written
)

// BatchItem is one item of a batch as its caller read it.
type BatchItem struct {
	Op    string
	Match string // upsert only
	ID    string // upsert with MatchID only
	Input Input
	// Err is why the caller could not read the item (a field of the wrong
	// type, say): the item answers it without running.
	Err error
}

// BatchResult is the result of one item, in the order of the items: an
// Outcome and the profile the item left, or Err.
type BatchResult struct {
	Outcome Outcome
	Profile *Profile
	Err     error
	// Replay is the item's first run, for an item of a keyed batch whose
	// key that run used (Outcome, Profile and Err are then unset).
	Replay *Replay
}

// batchItem is an item checked and ready to run.
type batchItem struct {
	op, match string
	id        string // MatchID: the profile id
	value     string // MatchUUID, MatchEmail, MatchPhone: the normalised value matched
	in        Input
	// keys are the values the item looks a profile up by or gives one,
	// which no later item of the batch may share (batchKeys).
	looks string
	gives []string
}

// checkBatchItem validates an item: its op and match, its profile as a
// create validates it, and the value its match names. Field names are
// those of the item ("op", "profile.lastName").
func checkBatchItem(it BatchItem, now time.Time) (*batchItem, error) {
	if it.Err != nil {
		return nil, it.Err
	}
	v := &validator{}
	switch it.Op {
	case OpCreate:
		if it.Match != "" {
			v.add("match", "is for op upsert only")
		}
		if it.ID != "" {
			v.add("id", "is for match id only")
		}
	case OpUpsert:
		switch it.Match {
		case MatchID:
			if !ValidID(it.ID) {
				v.add("id", "must be a profile id: 24 lowercase hexadecimal characters")
			}
		case MatchUUID, MatchEmail, MatchPhone:
			if it.ID != "" {
				v.add("id", "is for match id only")
			}
		case "":
			v.add("match", "is required with op upsert: one of id, uuid, email, phone")
		default:
			v.add("match", "must be one of id, uuid, email, phone")
		}
	case "":
		v.add("op", "is required: create or upsert")
	default:
		v.add("op", "must be create or upsert")
	}
	p, err := New(it.Input, now)
	if err != nil {
		for _, f := range fieldErrors(err) {
			v.add("profile."+f.Field, "%s", f.Message)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	b := &batchItem{op: it.Op, match: it.Match, id: it.ID, in: it.Input}
	switch it.Match {
	case MatchUUID:
		if p.UUID == "" {
			return nil, Invalid("profile.uuid", "is required to match by uuid")
		}
		b.value = p.UUID
	case MatchEmail, MatchPhone:
		var values []string
		for _, c := range p.Contacts {
			if c.Key == it.Match {
				values = append(values, c.Value)
			}
		}
		if len(values) != 1 {
			return nil, Invalid("profile.contacts", "must hold exactly one %s contact to match by %s (got %d)", it.Match, it.Match, len(values))
		}
		b.value = values[0]
	}
	b.looks, b.gives = itemKeys(b, p)
	return b, nil
}

// fieldErrors are the field errors of a *ValidationError.
func fieldErrors(err error) []FieldError {
	if ve, ok := err.(*ValidationError); ok { //nolint:errorlint // New returns it unwrapped
		return ve.Errors
	}
	return []FieldError{{Field: "", Message: err.Error()}}
}

// itemKeys are what an item looks a profile up by (an upsert's match) and
// the values it would give a profile: its uuid, its contacts, the id an
// upsert by id may create. Email addresses fold as duplicates do
// (SameContactValue).
func itemKeys(b *batchItem, p *Profile) (looks string, gives []string) {
	key := func(kind, value string) string {
		if kind == KeyEmail {
			value = strings.ToLower(value)
		}
		return kind + ":" + value
	}
	switch b.match {
	case MatchID:
		looks = key(MatchID, b.id)
		gives = append(gives, looks)
	case MatchUUID, MatchEmail, MatchPhone:
		looks = key(b.match, b.value)
	}
	if p.UUID != "" {
		gives = append(gives, key(MatchUUID, p.UUID))
	}
	for _, c := range p.Contacts {
		gives = append(gives, key(c.Key, c.Value))
	}
	return looks, gives
}

// batchDuplicate is the 409 of an item that would meet the same profile
// as an earlier item of its batch (its position), not run so as not to
// race it.
func batchDuplicate(earlier int, key string) error {
	kind, value, _ := strings.Cut(key, ":")
	return &ConflictError{Detail: "item " + strconv.Itoa(earlier) + " of this batch has the same " + kind + " " + value +
		": it could meet the same profile, so this item was not run; send it again in a later batch"}
}

// duplicate is the earlier item of the batch that an item would meet the
// same profile as (at, -1 for none), and the key they share.
type duplicate struct {
	at  int
	key string
}

// duplicates finds, for each checked item (nil: invalid), the earlier item
// it would meet the same profile as: it looks up what an earlier item
// looks up or gives, or gives what an earlier one looks up, or gives a
// uuid an earlier one gives (uuids are unique). An item refused here
// claims nothing.
func duplicates(items []*batchItem) []duplicate {
	out := make([]duplicate, len(items))
	looked, given := map[string]int{}, map[string]int{}
	for i, b := range items {
		out[i] = duplicate{at: -1}
		if b == nil {
			continue
		}
		clash := func(m map[string]int, k string) bool {
			if j, ok := m[k]; ok {
				out[i] = duplicate{at: j, key: k}
				return true
			}
			return false
		}
		found := b.looks != "" && (clash(looked, b.looks) || clash(given, b.looks))
		for _, g := range b.gives {
			if found {
				break
			}
			found = clash(looked, g) || strings.HasPrefix(g, MatchUUID+":") && clash(given, g)
		}
		if found {
			continue
		}
		if b.looks != "" {
			looked[b.looks] = i
		}
		for _, g := range b.gives {
			if _, ok := given[g]; !ok {
				given[g] = i
			}
		}
	}
	return out
}

// Upsert applies a batch upsert to the profile it matched: the fields in
// sets (PATCH semantics); each contact of in the profile lacks (same key
// and value, compared as duplicates are) is added, and one it has gets the
// uuid and verified in sets when they differ. Nothing is removed. It
// reports whether anything changed; when nothing did, p is untouched.
func (p *Profile) Upsert(in Input, now time.Time) (bool, error) {
	next := p.Clone()
	v := &validator{}
	applyProfile(v, next, in.Changes)
	if err := v.err(); err != nil {
		return false, err
	}
	changed := !sameFields(p, next)
	if changed {
		next.touch(now)
	}
	for i, cc := range in.Contacts {
		c := Contact{CreateTime: now, UpdateTime: now, Version: 1}
		applyContact(v, "contacts["+strconv.Itoa(i)+"].", &c, cc)
		if err := v.err(); err != nil {
			return false, err
		}
		cur := next.findValue(c.Key, c.Value)
		if cur == nil {
			if len(next.Contacts) >= MaxContacts {
				return false, &ConflictError{Detail: "a profile holds at most " + strconv.Itoa(MaxContacts) + " contacts"}
			}
			c.ID = nextContactID(next, now)
			next.Contacts = append(next.Contacts, c)
			changed = true
			continue
		}
		upd := *cur
		if cc.UUID.Set {
			upd.UUID = c.UUID
		}
		if cc.Verified.Set {
			upd.Verified = c.Verified
		}
		if upd.UUID != cur.UUID || upd.Verified != cur.Verified {
			if upd.UpdateTime.Before(now) {
				upd.UpdateTime = now
			}
			upd.Version++
			*cur = upd
			changed = true
		}
	}
	if changed {
		*p = *next
	}
	return changed, nil
}

// sameFields reports whether two copies of a profile hold the same
// writable fields (contacts aside).
func sameFields(a, b *Profile) bool {
	return a.FirstName == b.FirstName && a.MiddleName == b.MiddleName && a.LastName == b.LastName &&
		a.CountryCode == b.CountryCode && a.Enabled == b.Enabled && slices.Equal(a.Tags, b.Tags) &&
		a.UUID == b.UUID && a.FeatureUpdates == b.FeatureUpdates && a.MarketingUpdates == b.MarketingUpdates
}
