package profile

import (
	"strconv"
	"time"
)

// Input is a create request: the profile's fields and its first contacts.
type Input struct {
	Changes
	Contacts []ContactChanges
}

// New validates a create request and returns the new profile, enabled by default.
func New(in Input, now time.Time) (*Profile, error) {
	p := &Profile{ID: NewID(now), Enabled: true, Tags: []string{}, CreateTime: now, UpdateTime: now}
	v := &validator{}
	applyProfile(v, p, in.Changes)
	if len(in.Contacts) > MaxContacts {
		v.add("contacts", "must hold at most %d contacts (got %d)", MaxContacts, len(in.Contacts))
		return nil, v.err()
	}
	for i, cc := range in.Contacts {
		prefix := "contacts[" + strconv.Itoa(i) + "]."
		c := Contact{CreateTime: now, UpdateTime: now, Version: 1}
		if !cc.Key.Set {
			v.add(prefix+"key", "is required")
			continue
		}
		before := len(v.errs)
		applyContact(v, prefix, &c, cc)
		if len(v.errs) > before {
			continue
		}
		if p.findValue(c.Key, c.Value) != nil {
			v.add(prefix+"value", "duplicates another contact of this profile")
			continue
		}
		c.ID = nextContactID(p, now)
		p.Contacts = append(p.Contacts, c)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	p.Version = 1
	return p, nil
}

// nextContactID returns a new contact id not yet used on the profile.
func nextContactID(p *Profile, now time.Time) string {
	for {
		id := NewID(now)
		if p.Contact(id) == nil {
			return id
		}
	}
}

// Update applies a partial update. A request that sets nothing is invalid.
func (p *Profile) Update(c Changes, now time.Time) error {
	if err := c.RequireAny(); err != nil {
		return err
	}
	next := p.Clone()
	v := &validator{}
	applyProfile(v, next, c)
	if err := v.err(); err != nil {
		return err
	}
	next.touch(now)
	*p = *next
	return nil
}

// touch moves updateTime forward and never back.
func (p *Profile) touch(now time.Time) {
	if now.After(p.UpdateTime) {
		p.UpdateTime = now
	}
}

// findValue returns the contact with the key and the same value: phones
// are compared in E.164 form, email addresses case-insensitively (mail
// providers treat the local part that way in practice).
func (p *Profile) findValue(key, value string) *Contact {
	for i := range p.Contacts {
		if c := &p.Contacts[i]; c.Key == key && SameContactValue(key, c.Value, value) {
			return c
		}
	}
	return nil
}

// SameContactValue reports whether two normalised values of a key name the
// same address or number. Email addresses compare Fold-ed (NFC,
// lower-cased, not EqualFold): exactly what a store's look-up by email can
// index.
func SameContactValue(key, a, b string) bool {
	if key == KeyEmail {
		return Fold(a) == Fold(b)
	}
	return a == b
}

// AddContact validates and appends a contact.
func (p *Profile) AddContact(cc ContactChanges, now time.Time) (*Contact, error) {
	c := Contact{CreateTime: now, UpdateTime: now, Version: 1}
	v := &validator{}
	if !cc.Key.Set {
		v.add("key", "is required")
		return nil, v.err()
	}
	applyContact(v, "", &c, cc)
	if err := v.err(); err != nil {
		return nil, err
	}
	if len(p.Contacts) >= MaxContacts {
		return nil, &ConflictError{Detail: "a profile holds at most " + strconv.Itoa(MaxContacts) + " contacts"}
	}
	if p.findValue(c.Key, c.Value) != nil {
		return nil, &ConflictError{Detail: "this profile already has the " + c.Key + " " + c.Value}
	}
	c.ID = nextContactID(p, now)
	p.Contacts = append(p.Contacts, c)
	return &p.Contacts[len(p.Contacts)-1], nil
}

// UpdateContact applies a partial update to the contact with the id.
func (p *Profile) UpdateContact(id string, cc ContactChanges, now time.Time) (*Contact, error) {
	cur := p.Contact(id)
	if cur == nil {
		return nil, ErrNotFound
	}
	if err := cc.RequireAny(); err != nil {
		return nil, err
	}
	next := *cur
	v := &validator{}
	applyContact(v, "", &next, cc)
	if err := v.err(); err != nil {
		return nil, err
	}
	if other := p.findValue(next.Key, next.Value); other != nil && other.ID != id {
		return nil, &ConflictError{Detail: "this profile already has the " + next.Key + " " + next.Value}
	}
	if next.UpdateTime.Before(now) {
		next.UpdateTime = now
	}
	next.Version++
	*cur = next
	return cur, nil
}

// RemoveContact deletes the contact with the id.
func (p *Profile) RemoveContact(id string) error {
	for i := range p.Contacts {
		if p.Contacts[i].ID == id {
			p.Contacts = append(p.Contacts[:i:i], p.Contacts[i+1:]...)
			return nil
		}
	}
	return ErrNotFound
}
