package linearizability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Executor sends a request and tells what it was answered.
type Executor interface {
	Do(ctx context.Context, in Input) Output
}

// Generator sends random requests from concurrent clients to a few hot
// profiles and records them.
type Generator struct {
	Seed     uint64
	Clients  int           // concurrent clients (8)
	Slots    int           // hot profiles (3)
	Duration time.Duration // how long the clients send
	// Retries is how often a client resends a keyed request whose outcome
	// was unknown, with the same key and body (3).
	Retries int
	// Names tells the uuids of these profiles, and the Idempotency-Keys
	// of these requests, apart from those of other runs on the same table
	// (a uuid is unique across the table, a key is the caller's).
	Names string
	// Kinds, when set, are the only requests sent (a request whose
	// contact is not known yet may be sent as another).
	Kinds []Kind

	mu    sync.Mutex
	known []knowledge
}

// knowledge is what the clients have learned of a profile from answers:
// what they name in If-Match and which contacts they address. It may be
// stale; the model decides what each request must be answered.
type knowledge struct {
	etag     int64
	contacts map[string]known // by contact id
}

type known struct {
	key     string
	version int64
}

// Run sends requests through exec until the duration is over or ctx ends,
// and returns the history.
func (g *Generator) Run(ctx context.Context, exec Executor) *History {
	g.known = make([]knowledge, g.Slots)
	for i := range g.known {
		g.known[i].contacts = map[string]known{}
	}
	h := NewHistory()
	// Each profile starts made, whatever requests the clients may send.
	for slot := range g.Slots {
		in := Input{Kind: UpdateUser, Slot: slot, Body: map[string]any{"givenName": "Ann", "marketingUpdates": true}}
		g.learn(in, h.Record(0, in, func(in Input) Output { return exec.Do(ctx, in) }))
	}
	ctx, cancel := context.WithTimeout(ctx, g.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for c := range g.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(g.Seed, uint64(c))) //nolint:gosec // G115: c is a client's number, 0 to Clients-1
			for n := 0; ctx.Err() == nil; n++ {
				in := g.next(rng, c, n)
				// A request in flight when the time is up finishes: its
				// answer is part of the history.
				out := h.Record(c, in, func(in Input) Output { return exec.Do(context.WithoutCancel(ctx), in) })
				g.learn(in, out)
				// Once the time is up, one retry still settles what it can.
				for retry := 0; out.Unknown && in.Key != "" && retry < g.Retries && (retry == 0 || ctx.Err() == nil); retry++ {
					out = h.Record(c, in, func(in Input) Output { return exec.Do(context.WithoutCancel(ctx), in) })
					g.learn(in, out)
				}
			}
		}()
	}
	wg.Wait()
	return h
}

// The values requests write: few, so that requests often name a field
// with the value it already has (which is how two PATCHes can mix).
var (
	names     = []any{"Ann", "Bea", nil}
	middles   = []any{"Cy", nil}
	lasts     = []any{"Dee", "Eve", nil}
	countries = []any{"840", "554", nil}
	tagSets   = []any{[]string{"a"}, []string{"b"}, []string{"a", "b"}, []string{}}
	bools     = []any{true, false}
)

func emails(slot int) []string {
	return []string{fmt.Sprintf("s%d.a@example.com", slot), fmt.Sprintf("s%d.b@example.com", slot), fmt.Sprintf("s%d.c@example.com", slot)}
}

func phones(slot int) []string {
	return []string{fmt.Sprintf("+642100%d001", slot), fmt.Sprintf("+642100%d002", slot)}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// next is client c's n-th request.
func (g *Generator) next(rng *rand.Rand, c, n int) Input {
	for range 100 {
		if in := g.draw(rng, c, n); g.Kinds == nil || slices.Contains(g.Kinds, in.Kind) {
			return in
		}
	}
	return g.draw(rng, c, n)
}

func (g *Generator) draw(rng *rand.Rand, c, n int) Input {
	in := Input{Slot: rng.IntN(g.Slots)}
	g.mu.Lock()
	k := g.known[in.Slot]
	etag := k.etag
	var cid string
	var ck known
	if len(k.contacts) > 0 {
		ids := make([]string, 0, len(k.contacts))
		for id := range k.contacts {
			ids = append(ids, id)
		}
		// Map order is random but not the seed's: sort for a replayable choice.
		slices.Sort(ids)
		cid = pick(rng, ids)
		ck = k.contacts[cid]
	}
	g.mu.Unlock()
	key := func() string {
		if rng.IntN(2) == 0 {
			return ""
		}
		// Names too: a key is the caller's for 24 hours, so another run
		// on the same stack would find it used with another request.
		return fmt.Sprintf("%sc%d-%d", g.Names, c, n)
	}
	ifMatch := func(current int64) int64 {
		switch rng.IntN(3) {
		case 0:
			return current
		case 1:
			return max(current-1, 1) // stale, or current at version 1
		}
		return 0
	}
	switch r := rng.IntN(100); {
	case r < 14:
		in.Kind = GetProfile
	case r < 36:
		in.Kind = PatchProfile
		in.Put = rng.IntN(5) == 0
		in.IfMatch = ifMatch(etag)
		in.Body = profileBody(rng, g.Names, in.Slot)
	case r < 38:
		in.Kind = DeleteProfile
		in.IfMatch = ifMatch(etag)
	case r < 46:
		in.Kind = AddContact
		in.Key = key()
		if rng.IntN(2) == 0 {
			in.Body = map[string]any{"key": "email", "value": pick(rng, emails(in.Slot))}
		} else {
			in.Body = map[string]any{"key": "phone", "value": pick(rng, phones(in.Slot))}
		}
	case r < 58 && cid != "":
		in.ContactID = cid
		switch rng.IntN(3) {
		case 0:
			in.Kind = GetContact
		case 1:
			in.Kind = RemoveContact
			in.IfMatch = ifMatch(ck.version)
		default:
			in.Kind = UpdateContact
			in.IfMatch = ifMatch(ck.version)
			in.Body = contactBody(rng, in.Slot, ck.key)
		}
	case r < 86:
		in.Kind = UpdateUser
		in.Key = key()
		in.Body = userBody(rng, in.Slot)
	default:
		in.Kind = GetUser
	}
	return in
}

// profileBody is a random, non-empty subset of the profile's fields.
func profileBody(rng *rand.Rand, prefix string, slot int) map[string]any {
	fields := map[string][]any{
		"firstName": names, "middleName": middles, "lastName": lasts, "countryNumericCode": countries,
		"enabled": bools, "tags": tagSets, "uuid": {fmt.Sprintf("%ss%d-u1", prefix, slot), fmt.Sprintf("%ss%d-u2", prefix, slot), nil},
	}
	return subset(rng, fields)
}

func userBody(rng *rand.Rand, slot int) map[string]any {
	es := emails(slot)
	fields := map[string][]any{
		"givenName": names, "familyName": lasts, "featureUpdates": bools, "marketingUpdates": bools,
		"email": {es[0], es[1], es[2]},
	}
	return subset(rng, fields)
}

func contactBody(rng *rand.Rand, slot int, key string) map[string]any {
	var values []any
	if key == "email" {
		for _, e := range emails(slot) {
			values = append(values, e)
		}
	} else {
		for _, p := range phones(slot) {
			values = append(values, p)
		}
	}
	return subset(rng, map[string][]any{"value": values, "verified": bools, "uuid": {"c1", nil}})
}

// subset names each field with probability 1/2 (at least one), each with
// a value of its pool.
func subset(rng *rand.Rand, fields map[string][]any) map[string]any {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	body := map[string]any{}
	for len(body) == 0 {
		for _, n := range names {
			if rng.IntN(2) == 0 {
				body[n] = pick(rng, fields[n])
			}
		}
	}
	return body
}

// learn keeps what an answer shows of the profile.
func (g *Generator) learn(in Input, out Output) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := &g.known[in.Slot]
	switch {
	case out.Status == 404 && (in.Kind == GetProfile || in.Kind == GetUser):
		k.contacts = map[string]known{}
	case out.Status == 404 && in.ContactID != "":
		delete(k.contacts, in.ContactID)
	case out.Status == 204 && in.Kind == RemoveContact:
		delete(k.contacts, in.ContactID)
	}
	if out.ETag != 0 && out.Contact == nil {
		k.etag = out.ETag
	}
	if out.Profile != nil {
		for _, c := range out.Profile.Contacts {
			if _, ok := k.contacts[c.ContactID]; !ok {
				k.contacts[c.ContactID] = known{key: c.Key, version: 1}
			}
		}
	}
	if c := out.Contact; c != nil {
		k.contacts[c.ContactID] = known{key: c.Key, version: out.ETag}
	}
}
