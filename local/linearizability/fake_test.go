package linearizability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"runtime"
	"strings"
	"sync"

	"github.com/profiles-service/profiles/shared/views"
)

// fakeService is a service that is linearizable by construction: it
// applies each request to the model's state under one lock. Some answers
// it loses (Unknown), whether or not the request took effect.
type fakeService struct {
	mu     sync.Mutex
	states []State
	lose   float64
	rng    *mrand.Rand
}

func newFakeService(slots int, lose float64, seed uint64) *fakeService {
	return &fakeService{states: make([]State, slots), lose: lose, rng: mrand.New(mrand.NewPCG(seed, 0))}
}

func (f *fakeService) Do(_ context.Context, in Input) Output {
	// Requests overlap: each lets the others run before and after it acts
	// (no wait on the clock: the verdict holds at any speed).
	runtime.Gosched()
	defer runtime.Gosched()
	f.mu.Lock()
	defer f.mu.Unlock()
	in.Retried = in.Key != "" // it remembers every key; the model only those retried
	s := f.states[in.Slot]
	status, after := effect(s, in)
	for i := range after.N {
		if after.Contacts[i].ID == "" {
			after.Contacts[i].ID = newID()
		}
	}
	if f.rng.Float64() < f.lose {
		if f.rng.IntN(2) == 0 {
			f.states[in.Slot] = after
		}
		return Output{Status: 503, Unknown: true, Problem: "…/outcome-unknown"}
	}
	f.states[in.Slot] = after
	out := Output{Status: status}
	if status >= 300 {
		return out
	}
	switch in.Kind {
	case GetProfile, PatchProfile:
		p := profileView(after)
		out.Profile, out.ETag = &p, after.Version
	case GetUser, UpdateUser:
		u := userView(after)
		out.User, out.ETag = &u, after.Version
	case AddContact, UpdateContact, GetContact:
		c := &after.Contacts[after.N-1] // a contact added
		for i := range after.N {
			if cc := &after.Contacts[i]; in.ContactID != "" && cc.ID == in.ContactID || in.Kind == AddContact && s.used(in.Key) && cc.MadeBy == in.Key {
				c = cc
			}
		}
		v := contactView(*c)
		out.Contact, out.ETag = &v, c.Version
	}
	return out
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func profileView(s State) views.Profile {
	p := views.Profile{FirstName: nullable(s.First), MiddleName: nullable(s.Middle), LastName: nullable(s.Last),
		CountryNumericCode: nullable(s.Country), UUID: nullable(s.UUID), Enabled: s.Enabled, Tags: []string{}, Contacts: []views.Contact{}}
	if s.Tags != "" {
		p.Tags = strings.Split(s.Tags, tagSep)
	}
	for _, c := range s.contacts() {
		p.Contacts = append(p.Contacts, contactView(c))
	}
	return p
}

func contactView(c Contact) views.Contact {
	return views.Contact{ContactID: c.ID, Key: c.Key, Value: c.Value, UUID: nullable(c.UUID), Verified: c.Verified}
}

func userView(s State) views.User {
	u := views.User{GivenName: nullable(s.First), FamilyName: nullable(s.Last), FeatureUpdates: s.Feature, MarketingUpdates: s.Marketing}
	if c := s.primary("email"); c != nil {
		u.Email, u.EmailVerified = nullable(c.Value), c.Verified
	}
	if c := s.primary("phone"); c != nil {
		u.PhoneNumber, u.PhoneVerified = nullable(c.Value), c.Verified
	}
	return u
}
