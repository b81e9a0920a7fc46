// Package linearizability checks that concurrent histories of the API are
// ones its documented semantics allow: random requests from concurrent
// clients are recorded with their call and return times, and Porcupine
// searches for an order in which a sequential model of a profile, written
// from docs/api.md and the reference (not from the store's code), gives
// every answer that was observed.
package linearizability

import (
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/profiles-service/profiles/shared/views"
)

// Kind is what a request does.
type Kind int

// The requests a history holds. Each addresses one slot: one profile, the
// one a slot's end user owns (its id is profile.UserProfileID of the user),
// through the admin and the user routes alike.
const (
	GetProfile    Kind = iota // GET /profiles/{id}
	PatchProfile              // PATCH (or PUT, Input.Put) /profiles/{id}
	DeleteProfile             // DELETE /profiles/{id}
	AddContact                // POST /profiles/{id}/contacts
	UpdateContact             // PATCH /profiles/{id}/contacts/{cid}
	RemoveContact             // DELETE /profiles/{id}/contacts/{cid}
	GetContact                // GET /profiles/{id}/contacts/{cid}
	UpdateUser                // POST /api/me/profile/update
	GetUser                   // GET /api/me/profile
)

var kindNames = [...]string{"GET", "PATCH", "DELETE", "contact add", "contact update", "contact remove", "contact GET", "user update", "user GET"}

func (k Kind) String() string { return kindNames[k] }

// read reports whether the request changes nothing.
func (k Kind) read() bool { return k == GetProfile || k == GetContact || k == GetUser }

// Input is one request.
type Input struct {
	Kind      Kind
	Slot      int
	Put       bool   // PatchProfile sent as PUT (the same partial update in this API)
	ContactID string // the contact addressed
	IfMatch   int64  // the version If-Match names; 0: no If-Match
	Key       string // Idempotency-Key; "" for none
	// Retried says another request of the history carries Key (a retry
	// after outcome-unknown), so the model must remember whether Key was
	// used. Set by MarkRetries once the history is complete.
	Retried bool
	// Body is the JSON body: field name to a string, bool, []string or nil
	// (null). Profile fields for PatchProfile, contact fields for the
	// contact writes, the user view's fields for UpdateUser.
	Body map[string]any
}

// Output is what a request was answered.
type Output struct {
	Status int
	// Unknown is a request that may or may not have taken effect: a 503
	// outcome-unknown, another 5xx, or no answer at all.
	Unknown bool
	// Refused is a plain 503: the database was busy and nothing was written.
	Refused bool
	ETag    int64 // the version the ETag names; 0 when none
	Profile *views.Profile
	Contact *views.Contact
	User    *views.User
	Problem string // the problem type of an error answer
	Error   string // why no answer came (Unknown)
}

// maxContacts bounds the contacts a model profile holds: the generator's
// values (pools of a few emails and phones) never make more.
const maxContacts = 8

// Contact is a contact as the model holds it.
type Contact struct {
	ID       string // "" until an answer shows it (a contact a user's email made, or a write whose outcome was unknown)
	Key      string // email or phone
	Value    string
	UUID     string
	Verified bool
	Version  int64
	MadeBy   string // the Idempotency-Key of the add that made it, when remembered
}

// State is one profile as the documented semantics leave it. It is
// comparable, so Porcupine's cache compares states with ==.
type State struct {
	Exists                      bool
	First, Middle, Last         string
	Country, UUID               string
	Tags                        string // in order, joined by tagSep
	Enabled, Feature, Marketing bool
	Version                     int64
	N                           int // contacts held
	Contacts                    [maxContacts]Contact
	Keys                        string // the retried Idempotency-Keys that were used, sorted, joined by tagSep
}

const tagSep = "\x1f"

// contacts is the state's contacts, a view into its array.
func (s *State) contacts() []Contact { return s.Contacts[:s.N] }

func (s *State) contact(id string) *Contact {
	for i := range s.N {
		if s.Contacts[i].ID == id {
			return &s.Contacts[i]
		}
	}
	return nil
}

// primary is the earliest-made contact of the key (contacts are in the
// order they were made), or nil: the user view's email and phone.
func (s *State) primary(key string) *Contact {
	for i := range s.N {
		if s.Contacts[i].Key == key {
			return &s.Contacts[i]
		}
	}
	return nil
}

func (s *State) holds(key, value string) *Contact {
	for i := range s.N {
		if c := &s.Contacts[i]; c.Key == key && strings.EqualFold(c.Value, value) {
			return c
		}
	}
	return nil
}

func (s *State) remove(id string) {
	for i := range s.N {
		if s.Contacts[i].ID == id {
			copy(s.Contacts[i:], s.Contacts[i+1:s.N])
			s.N--
			s.Contacts[s.N] = Contact{}
			return
		}
	}
}

func (s *State) used(key string) bool {
	return key != "" && slices.Contains(strings.Split(s.Keys, tagSep), key)
}

func (s *State) use(key string) {
	keys := strings.Split(s.Keys, tagSep)
	if s.Keys == "" {
		keys = nil
	}
	keys = append(keys, key)
	slices.Sort(keys)
	s.Keys = strings.Join(keys, tagSep)
}

// created is the profile a user's first update makes: enabled, no tags,
// version 1 (the reference's defaults; docs/api.md).
func created() State { return State{Exists: true, Enabled: true, Version: 1} }

// gone is the state after a DELETE: nothing but the keys used, which
// outlive the profile (24 hours).
func gone(s State) State { return State{Keys: s.Keys} }

// effect is what the request does to s when it takes effect, with no
// answer to learn from: the status it must answer and the state after.
// A contact it makes has no id yet (bind learns it from an answer).
func effect(s State, in Input) (int, State) {
	remember := in.Key != "" && in.Retried
	switch in.Kind {
	case GetProfile, GetUser:
		if !s.Exists {
			return 404, s
		}
		return 200, s
	case PatchProfile:
		switch {
		case !s.Exists:
			return 404, s
		case in.IfMatch != 0 && in.IfMatch != s.Version:
			return 412, s
		}
		applyProfile(&s, in.Body)
		s.Version++
		return 200, s
	case DeleteProfile:
		switch {
		case !s.Exists:
			return 404, s
		case in.IfMatch != 0 && in.IfMatch != s.Version:
			return 412, s
		}
		return 204, gone(s)
	case AddContact:
		if remember && s.used(in.Key) {
			// A replay: the first answer's status with the contact as it
			// is now, or a 404 when it is gone; nothing changes.
			for _, c := range s.contacts() {
				if c.MadeBy == in.Key {
					return 201, s
				}
			}
			return 404, s
		}
		if !s.Exists {
			return 404, s
		}
		key, value := in.Body["key"].(string), in.Body["value"].(string)
		if s.holds(key, value) != nil {
			return 409, s
		}
		if s.N == maxContacts {
			panic("the generator's values made more contacts than the model holds")
		}
		c := Contact{Key: key, Value: value, Version: 1}
		if u, ok := in.Body["uuid"].(string); ok {
			c.UUID = u
		}
		if remember {
			c.MadeBy = in.Key
			s.use(in.Key)
		}
		s.Contacts[s.N] = c
		s.N++
		s.Version++
		return 201, s
	case UpdateContact, RemoveContact:
		if !s.Exists {
			return 404, s
		}
		c := s.contact(in.ContactID)
		switch {
		case c == nil:
			return 404, s
		case in.IfMatch != 0 && in.IfMatch != c.Version:
			return 412, s
		case in.Kind == RemoveContact:
			s.remove(in.ContactID)
			s.Version++
			return 204, s
		}
		next := *c
		applyContact(&next, in.Body)
		if other := s.holds(next.Key, next.Value); other != nil && other.ID != c.ID {
			return 409, s
		}
		next.Version++
		*c = next
		s.Version++
		return 200, s
	case GetContact:
		if !s.Exists || s.contact(in.ContactID) == nil {
			return 404, s
		}
		return 200, s
	case UpdateUser:
		if remember && s.used(in.Key) {
			if !s.Exists {
				return 404, s
			}
			return 200, s
		}
		if !s.Exists {
			keys := s.Keys
			s = created()
			s.Keys = keys
		} else {
			s.Version++
		}
		applyUser(&s, in.Body)
		if remember {
			s.use(in.Key)
		}
		return 200, s
	}
	panic(fmt.Sprintf("unknown kind %d", in.Kind))
}

// applyProfile writes a PATCH body: a field named is set (null clears an
// optional string), a field absent is left as it is.
func applyProfile(s *State, body map[string]any) {
	for name, v := range body {
		str, _ := v.(string)
		switch name {
		case "firstName":
			s.First = str
		case "middleName":
			s.Middle = str
		case "lastName":
			s.Last = str
		case "countryNumericCode":
			s.Country = str
		case "uuid":
			s.UUID = str
		case "enabled":
			s.Enabled = v.(bool)
		case "tags":
			tags, _ := v.([]string)
			s.Tags = strings.Join(tags, tagSep)
		}
	}
}

func applyContact(c *Contact, body map[string]any) {
	for name, v := range body {
		switch name {
		case "key":
			c.Key = v.(string)
		case "value":
			c.Value = v.(string)
		case "uuid":
			c.UUID, _ = v.(string)
		case "verified":
			c.Verified = v.(bool)
		}
	}
}

// applyUser writes a user's update (the user-profile reference):
// givenName is firstName, familyName lastName; an email other than the
// primary email's replaces its value and clears its verification (a copy
// of it among the other contacts goes), the same email changes nothing,
// and a profile without an email gets one.
func applyUser(s *State, body map[string]any) {
	for name, v := range body {
		switch name {
		case "givenName":
			s.First, _ = v.(string)
		case "familyName":
			s.Last, _ = v.(string)
		case "featureUpdates":
			s.Feature = v.(bool)
		case "marketingUpdates":
			s.Marketing = v.(bool)
		}
	}
	email, ok := body["email"].(string)
	if !ok {
		return
	}
	primary := s.primary("email")
	switch {
	case primary == nil:
		s.Contacts[s.N] = Contact{Key: "email", Value: email, Version: 1}
		s.N++
		return
	case strings.EqualFold(primary.Value, email):
		return
	}
	if other := s.holds("email", email); other != nil {
		s.remove(other.ID)
		primary = s.primary("email")
	}
	primary.Value, primary.Verified = email, false
	primary.Version++
}

// step is the model's transition on a request and its answer: the states
// after it that the documented semantics allow (none: the answer is not
// one they allow from s).
func step(s State, in Input, out Output) []State {
	if in.ContactID == "" || s.contact(in.ContactID) != nil {
		return stepKnown(s, in, out)
	}
	// The client learned the id from an answer the model does not hold to
	// the state (a PATCH's): it may be a contact the model holds without id.
	next := stepKnown(s, in, out)
	for i := range s.N {
		if s.Contacts[i].ID == "" {
			named := s
			named.Contacts[i].ID = in.ContactID
			next = append(next, stepKnown(named, in, out)...)
		}
	}
	return next
}

func stepKnown(s State, in Input, out Output) []State {
	switch {
	case out.Refused:
		return []State{s}
	case out.Unknown:
		// It may have landed or not.
		_, after := effect(s, in)
		if after == s {
			return []State{s}
		}
		return []State{s, after}
	}
	status, after := effect(s, in)
	if out.Status != status {
		return nil
	}
	after, ok := check(s, after, in, out)
	if !ok {
		return nil
	}
	return []State{after}
}

// check holds an answer's body and ETag to the state (before the request
// and after it), learning the ids of contacts the model holds without one.
func check(before, after State, in Input, out Output) (State, bool) {
	switch in.Kind {
	case GetProfile:
		if out.Status != 200 {
			return after, true
		}
		return matchProfile(after, out)
	case GetUser:
		if out.Status != 200 {
			return after, true
		}
		return after, out.ETag == after.Version && out.User != nil && matchUser(after, *out.User)
	case UpdateUser:
		// A replay answers the profile as it is now; a first request's
		// answer may show writes that landed beside it (docs/design.md,
		// "Hot profiles"), so only its status is held.
		if out.Status == 200 && in.Key != "" && in.Retried && before.used(in.Key) {
			return after, out.ETag == after.Version && out.User != nil && matchUser(after, *out.User)
		}
		return after, true
	case PatchProfile:
		// With If-Match the write is conditioned on the version read and
		// answers exactly what it wrote; without, see UpdateUser.
		if out.Status == 200 && in.IfMatch != 0 {
			if out.ETag != after.Version {
				return after, false
			}
			return matchProfile(after, out)
		}
		return after, true
	case AddContact:
		if out.Status != 201 || out.Contact == nil {
			return after, out.Status != 201
		}
		if in.Retried && before.used(in.Key) {
			for i := range after.N {
				if after.Contacts[i].MadeBy == in.Key {
					return after, bindContact(&after, i, out)
				}
			}
			return after, false
		}
		return after, bindContact(&after, after.N-1, out)
	case UpdateContact, GetContact:
		if out.Status != 200 || out.Contact == nil {
			return after, out.Status != 200
		}
		for i := range after.N {
			if after.Contacts[i].ID == in.ContactID {
				return after, bindContact(&after, i, out)
			}
		}
		return after, false
	}
	return after, true
}

// bindContact holds an answered contact to s's i-th, taking its id when
// the model has none yet.
func bindContact(s *State, i int, out Output) bool {
	oc, c := out.Contact, &s.Contacts[i]
	if c.ID == "" {
		if s.contact(oc.ContactID) != nil {
			return false
		}
		c.ID = oc.ContactID
	}
	return out.ETag == c.Version && sameContact(*c, *oc)
}

func sameContact(c Contact, v views.Contact) bool {
	return c.ID == v.ContactID && c.Key == v.Key && c.Value == v.Value && c.UUID == deref(v.UUID) && c.Verified == v.Verified
}

// matchProfile holds a Profile object to s, taking the ids of contacts the
// model holds without one.
func matchProfile(s State, out Output) (State, bool) {
	p := out.Profile
	if p == nil || out.ETag != s.Version || len(p.Contacts) != s.N {
		return s, false
	}
	if deref(p.FirstName) != s.First || deref(p.MiddleName) != s.Middle || deref(p.LastName) != s.Last ||
		deref(p.CountryNumericCode) != s.Country || deref(p.UUID) != s.UUID || p.Enabled != s.Enabled ||
		strings.Join(p.Tags, tagSep) != s.Tags {
		return s, false
	}
	for i := range s.N {
		c := &s.Contacts[i]
		if c.ID == "" {
			if s.contact(p.Contacts[i].ContactID) != nil {
				return s, false
			}
			c.ID = p.Contacts[i].ContactID
		}
		if !sameContact(*c, p.Contacts[i]) {
			return s, false
		}
	}
	return s, true
}

func matchUser(s State, u views.User) bool {
	if deref(u.GivenName) != s.First || deref(u.FamilyName) != s.Last || u.FeatureUpdates != s.Feature || u.MarketingUpdates != s.Marketing {
		return false
	}
	for _, f := range []struct {
		key      string
		value    *string
		verified bool
	}{{"email", u.Email, u.EmailVerified}, {"phone", u.PhoneNumber, u.PhoneVerified}} {
		var want Contact
		if c := s.primary(f.key); c != nil {
			want = *c
		}
		if deref(f.value) != want.Value || f.verified != want.Verified {
			return false
		}
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var hashSeed = maphash.MakeSeed()

// Model is the Porcupine model of a history: one partition per slot, each
// checked on its own.
func Model() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			bySlot := map[int][]porcupine.Operation{}
			for _, op := range history {
				slot := op.Input.(Input).Slot
				bySlot[slot] = append(bySlot[slot], op)
			}
			out := make([][]porcupine.Operation, 0, len(bySlot))
			for _, slot := range slices.Sorted(maps.Keys(bySlot)) {
				out = append(out, bySlot[slot])
			}
			return out
		},
		Init: func() []any { return []any{State{}} },
		Step: func(state, input, output any) []any {
			next := step(state.(State), input.(Input), output.(Output))
			out := make([]any, len(next))
			for i := range next {
				out[i] = next[i]
			}
			return out
		},
		Equal:             func(a, b any) bool { return a.(State) == b.(State) },
		Hash:              func(state any) uint64 { return maphash.Comparable(hashSeed, state.(State)) },
		DescribeOperation: func(input, output any) string { return describe(input.(Input), output.(Output)) },
		DescribeState:     func(state any) string { return describeState(state.(State)) },
	}
	return nm.ToModel()
}
