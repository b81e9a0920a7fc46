package apitest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
)

// TestIdempotencyKeyReplays: a retry with the key replays the first answer,
// headers included, and changes nothing; another body under the key is a
// 422 naming it; a key too long or not printable ASCII is a 400; keys
// belong to their caller; the same holds on contacts and the user's
// update; after 24 hours the key is free again. (Concurrent duplicates and
// the records as stored are local/integration's TestIdempotencyKey.)
func TestIdempotencyKeyReplays(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	body := `{"firstName":"Once","contacts":[{"key":"email","value":"once@example.com"}]}`
	first := a.Do(t, "POST", "/profiles", body, "Authorization", a.AdminAuth(), "Idempotency-Key", "create-once-1")
	again := a.Do(t, "POST", "/profiles", body, "Authorization", a.AdminAuth(), "Idempotency-Key", "create-once-1")
	if first.Status != 201 || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %v %s", first.Status, first.Header, first.Body)
	}
	if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Location") != first.Header.Get("Location") ||
		again.Header.Get("ETag") != first.Header.Get("ETag") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay differs:\n%d %s %v\n%d %s %v", again.Status, again.Body, again.Header, first.Status, first.Body, first.Header)
	}
	// Through the client: the same key replays, and says so.
	in := client.ProfileInput{FirstName: client.Value("Twice")}
	p1 := must(a.Admin.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: "typed-1"}))(t)
	p2 := must(a.Admin.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: "typed-1"}))(t)
	if p1.Replayed || !p2.Replayed || p2.ProfileID != p1.ProfileID || p2.ETag != p1.ETag {
		t.Errorf("typed replay: %+v then %+v", p1, p2)
	}
	if n := len(must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t).Items); n != 2 {
		t.Errorf("%d profiles after two requests and their retries, want 2", n)
	}

	_, err := a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Other")}, &client.WriteOptions{IdempotencyKey: "create-once-1"})
	problem(t, err, http.StatusUnprocessableEntity, "Idempotency-Key")
	_, err = a.Admin.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: strings.Repeat("k", 256)})
	problem(t, err, http.StatusBadRequest, "Idempotency-Key")
	must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Max")}, &client.WriteOptions{IdempotencyKey: strings.Repeat("k", 255)}))(t)

	// Keys belong to their caller: another subject's same key is a new request.
	other := a.Client(client.WithBearerToken(a.Token("another-admin", apitest.Scopes...)))
	if p := must(other.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: "typed-1"}))(t); p.Replayed || p.ProfileID == p1.ProfileID {
		t.Errorf("another caller's key replayed: %+v", p)
	}

	// The same on contacts and on the user's update.
	c1 := must(a.Admin.CreateContact(ctx, p1.ProfileID, phoneContact("+15550001111"), &client.WriteOptions{IdempotencyKey: "c-1"}))(t)
	c2 := must(a.Admin.CreateContact(ctx, p1.ProfileID, phoneContact("+15550001111"), &client.WriteOptions{IdempotencyKey: "c-1"}))(t)
	if c1.Replayed || !c2.Replayed || c1.Contact != c2.Contact {
		t.Errorf("contact replay differs: %+v then %+v", c1, c2)
	}
	user := a.User("idem-user")
	u1 := must(user.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("I")}, &client.WriteOptions{IdempotencyKey: "u-1"}))(t)
	u2 := must(user.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("I")}, &client.WriteOptions{IdempotencyKey: "u-1"}))(t)
	if u1.Replayed || !u2.Replayed || apitest.StringOf(u2.GivenName) != "I" || u2.UserID != u1.UserID {
		t.Errorf("user update replay: %+v then %+v", u1, u2)
	}

	// A replay answers the resource as it is now, with its current ETag.
	patched := must(a.Admin.PatchProfile(ctx, p1.ProfileID, client.ProfileInput{LastName: client.Value("Later")}, nil))(t)
	p3 := must(a.Admin.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: "typed-1"}))(t)
	if !p3.Replayed || apitest.StringOf(p3.LastName) != "Later" || p3.ETag != patched.ETag {
		t.Errorf("a replay after a PATCH: %+v, want the profile as patched (ETag %s)", p3, patched.ETag)
	}

	// A replay whose contact was deleted since is a 404 of its own type.
	if err := a.Admin.DeleteContact(ctx, p1.ProfileID, c1.ContactID, nil); err != nil {
		t.Fatal(err)
	}
	_, err = a.Admin.CreateContact(ctx, p1.ProfileID, phoneContact("+15550001111"), &client.WriteOptions{IdempotencyKey: "c-1"})
	if e := problem(t, err, http.StatusNotFound, ""); e.Type != client.ProblemReplayedResourceDeleted {
		t.Errorf("type %q, want %q", e.Type, client.ProblemReplayedResourceDeleted)
	}

	// A profile's deletion erases the records of the requests about it
	// (docs/api.md, Erasure): the key is free again, and the same request
	// makes a new profile.
	if err := a.Admin.DeleteProfile(ctx, p1.ProfileID, nil); err != nil {
		t.Fatal(err)
	}
	recreated := must(a.Admin.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: "typed-1"}))(t)
	if recreated.Replayed || recreated.ProfileID == p1.ProfileID {
		t.Errorf("a key of a deleted profile replayed: %+v", recreated)
	}

	// After 24 hours the key is free again: the same request makes a new profile.
	a.Clock.Advance(25 * time.Hour)
	if p := must(a.Admin.CreateProfile(ctx, in, &client.WriteOptions{IdempotencyKey: "typed-1"}))(t); p.Replayed || p.ProfileID == recreated.ProfileID {
		t.Errorf("a key older than 24 hours replayed: %+v", p)
	}
}

// TestIfMatch: a write conditional on an ETag read before lands while the
// version is current and is a 412 that changes nothing once it is not, on
// profiles and on contacts; "*" matches any version.
func TestIfMatch(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Ann"), Contacts: []client.ContactInput{email("ann@example.com")}}, nil))(t)
	read := must(a.Admin.GetProfile(ctx, p.ProfileID))(t)
	if read.ETag == "" || read.ETag != p.ETag {
		t.Fatalf("ETag of the create %q, of the read %q", p.ETag, read.ETag)
	}
	v2 := must(a.Admin.PatchProfile(ctx, p.ProfileID, client.ProfileInput{LastName: client.Value("Cole")}, &client.WriteOptions{IfMatch: read.ETag}))(t)
	if v2.ETag == read.ETag {
		t.Errorf("a write kept the ETag %s", v2.ETag)
	}
	_, err := a.Admin.PatchProfile(ctx, p.ProfileID, client.ProfileInput{LastName: client.Value("Stale")}, &client.WriteOptions{IfMatch: read.ETag})
	problem(t, err, http.StatusPreconditionFailed, "")
	if !client.IsPreconditionFailed(err) {
		t.Errorf("IsPreconditionFailed(%v) = false", err)
	}
	problem(t, a.Admin.DeleteProfile(ctx, p.ProfileID, &client.WriteOptions{IfMatch: read.ETag}), http.StatusPreconditionFailed, "")
	if now := must(a.Admin.GetProfile(ctx, p.ProfileID))(t); apitest.StringOf(now.LastName) != "Cole" || now.ETag != v2.ETag {
		t.Errorf("a refused write changed the profile: %+v", now)
	}
	must(a.Admin.PutProfile(ctx, p.ProfileID, client.ProfileInput{MiddleName: client.Value("Any")}, &client.WriteOptions{IfMatch: "*"}))(t)

	// Contacts: their own ETag.
	cid := p.Contacts[0].ContactID
	c := must(a.Admin.GetContact(ctx, p.ProfileID, cid))(t)
	c2 := must(a.Admin.PatchContact(ctx, p.ProfileID, cid, client.ContactInput{Verified: client.Value(true)}, &client.WriteOptions{IfMatch: c.ETag}))(t)
	_, err = a.Admin.PatchContact(ctx, p.ProfileID, cid, client.ContactInput{Verified: client.Value(false)}, &client.WriteOptions{IfMatch: c.ETag})
	problem(t, err, http.StatusPreconditionFailed, "")
	problem(t, a.Admin.DeleteContact(ctx, p.ProfileID, cid, &client.WriteOptions{IfMatch: c.ETag}), http.StatusPreconditionFailed, "")
	if now := must(a.Admin.GetContact(ctx, p.ProfileID, cid))(t); !now.Verified || now.ETag != c2.ETag {
		t.Errorf("a refused contact write changed it: %+v", now)
	}
	if err := a.Admin.DeleteContact(ctx, p.ProfileID, cid, &client.WriteOptions{IfMatch: c2.ETag}); err != nil {
		t.Errorf("a delete on the current ETag: %v", err)
	}
	if err := a.Admin.DeleteProfile(ctx, p.ProfileID, &client.WriteOptions{IfMatch: "*"}); err != nil {
		t.Errorf("a delete on *: %v", err)
	}
}

// TestIdempotencyKeyThatCannotArriveWholeIsRefused: through the gateway
// and the functions' proxy adapter, which split a header at its commas, a
// key with a comma or several Idempotency-Key headers are the 400
// ambiguous-idempotency-key on each of the three keyed POSTs, and write
// nothing: "k,1" and "k,2" are not one key, and ",abc" is not no key.
// (The store writes a key's record only with a profile, so no profile
// listed and no user profile means no write at all.)
func TestIdempotencyKeyThatCannotArriveWholeIsRefused(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	user := a.User("split-user")
	for i, keys := range [][]string{{"k,1"}, {"k,2"}, {",abc"}, {",abc"}, {"abc,"}, {"k", "1"}, {"", "abc"}} {
		for _, req := range []struct {
			c          *client.Client
			path, body string
		}{
			{a.Admin, "/profiles", fmt.Sprintf(`{"firstName":"Split%d"}`, i)},
			{a.Admin, "/profiles/" + strings.Repeat("a", 24) + "/contacts", `{"key":"phone","value":"+15550001111"}`},
			{user, "/api/me/profile/update", `{"givenName":"S"}`},
		} {
			// Raw: the typed methods send one key, as given.
			r, err := req.c.Raw(ctx, "POST", req.path, http.Header{"Idempotency-Key": keys}, []byte(req.body))
			if err != nil {
				t.Fatal(err)
			}
			if e := problem(t, r.Err(), http.StatusBadRequest, "Idempotency-Key"); e.Type != "tag:profiles-service.github.io,2026:problems/ambiguous-idempotency-key" {
				t.Errorf("keys %q, POST %s: problem type %q, want ambiguous-idempotency-key", keys, req.path, e.Type)
			}
		}
	}
	if s := snapshot(t, a); s != "null" {
		t.Errorf("refused requests made profiles: %s", s)
	}
	if _, err := user.GetMyProfile(ctx); !client.IsNotFound(err) {
		t.Errorf("refused updates made the user's profile: %v", err)
	}
}
