package apitest_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

func emailContact(v string) client.ContactInput {
	return client.ContactInput{Key: client.Value("email"), Value: client.Value(v)}
}

// batch runs items as one batch under key ("": the client draws one).
func batch(t *testing.T, a *apitest.API, key string, items ...client.BatchItem) []client.BatchResult {
	t.Helper()
	res, err := a.Admin.Batch(ctx, items, &client.BatchOptions{IdempotencyKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// wantResult fails unless the result has the status and outcome (a
// success) or the status and problem type (a failure).
func wantResult(t *testing.T, i int, r client.BatchResult, status int, outcomeOrType string) {
	t.Helper()
	switch {
	case r.Status != status:
		t.Errorf("item %d: status %d, want %d (%+v %v)", i, r.Status, status, r.Outcome, r.Err)
	case status < 300 && (r.Outcome != outcomeOrType || r.Profile == nil || r.Err != nil):
		t.Errorf("item %d: outcome %q, profile %v, err %v; want %q with a profile", i, r.Outcome, r.Profile != nil, r.Err, outcomeOrType)
	case status >= 300 && (r.Err == nil || r.Err.Type != outcomeOrType || r.Profile != nil || r.Err.Status != status):
		t.Errorf("item %d: err %+v, want a %d %s problem and no profile", i, r.Err, status, outcomeOrType)
	}
}

// TestBatchMixedOutcomes: one batch creates, updates, leaves unchanged,
// refuses an invalid item (400), names the profiles an ambiguous email
// matches (409), refuses a taken uuid (409) and a second item on the same
// profile (409, not run), each in its place; the other items still ran,
// and the store holds exactly what the results say.
func TestBatchMixedOutcomes(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	byUUID := must(a.Admin.CreateProfile(ctx, client.ProfileInput{UUID: client.Value("crm-a"), FirstName: client.Value("Ann")}, nil))(t)
	held := must(a.Admin.CreateProfile(ctx, client.ProfileInput{LastName: client.Value("Held"),
		Contacts: []client.ContactInput{emailContact("held@example.com")}}, nil))(t)
	twin1 := must(a.Admin.CreateProfile(ctx, client.ProfileInput{Contacts: []client.ContactInput{emailContact("twin@example.com")}}, nil))(t)
	twin2 := must(a.Admin.CreateProfile(ctx, client.ProfileInput{Contacts: []client.ContactInput{emailContact("Twin@Example.com")}}, nil))(t)
	taken := must(a.Admin.CreateProfile(ctx, client.ProfileInput{UUID: client.Value("crm-taken")}, nil))(t)
	byPhone := must(a.Admin.CreateProfile(ctx, client.ProfileInput{Contacts: []client.ContactInput{phoneContact("+15550001111")}}, nil))(t)

	results := batch(t, a, "",
		client.BatchItem{Op: client.OpCreate, Profile: client.ProfileInput{FirstName: client.Value("New"),
			Contacts: []client.ContactInput{emailContact("new@example.com")}}},
		client.BatchItem{Op: client.OpUpsert, Match: client.MatchUUID, Profile: client.ProfileInput{UUID: client.Value("crm-a"), LastName: client.Value("Upserted")}},
		client.BatchItem{Op: client.OpUpsert, Match: client.MatchEmail, Profile: client.ProfileInput{LastName: client.Value("Held"),
			Contacts: []client.ContactInput{emailContact("HELD@example.com")}}},
		client.BatchItem{Op: "merge", Profile: client.ProfileInput{FirstName: client.Value("Bad")}},
		client.BatchItem{Op: client.OpUpsert, Match: client.MatchEmail, Profile: client.ProfileInput{Contacts: []client.ContactInput{emailContact("twin@example.com")}}},
		client.BatchItem{Op: client.OpCreate, Profile: client.ProfileInput{UUID: client.Value("crm-taken")}},
		client.BatchItem{Op: client.OpUpsert, Match: client.MatchEmail, Profile: client.ProfileInput{FirstName: client.Value("Second"),
			Contacts: []client.ContactInput{emailContact("new@example.com")}}},
		client.BatchItem{Op: client.OpUpsert, Match: client.MatchPhone, Profile: client.ProfileInput{
			Contacts: []client.ContactInput{phoneContact("+1 555 000 1111"), emailContact("added@example.com")}}},
	)
	if len(results) != 8 {
		t.Fatalf("%d results for 8 items", len(results))
	}
	wantResult(t, 0, results[0], 201, client.OutcomeCreated)
	wantResult(t, 1, results[1], 200, client.OutcomeUpdated)
	wantResult(t, 2, results[2], 200, client.OutcomeUnchanged)
	wantResult(t, 3, results[3], 400, client.ProblemValidation)
	wantResult(t, 4, results[4], 409, client.ProblemConflict)
	wantResult(t, 5, results[5], 409, client.ProblemConflict)
	wantResult(t, 6, results[6], 409, client.ProblemConflict)
	wantResult(t, 7, results[7], 200, client.OutcomeUpdated)

	if r := results[1]; r.Profile != nil && (r.Profile.ProfileID != byUUID.ProfileID || apitest.StringOf(r.Profile.LastName) != "Upserted" ||
		apitest.StringOf(r.Profile.FirstName) != "Ann") {
		t.Errorf("upsert by uuid: %+v, want %s with lastName Upserted and firstName Ann kept", r.Profile, byUUID.ProfileID)
	}
	if r := results[2]; r.Profile != nil && (r.Profile.ProfileID != held.ProfileID || r.Profile.UpdateTime != held.UpdateTime) {
		t.Errorf("unchanged upsert: %+v, want %s as it was", r.Profile, held.ProfileID)
	}
	if e := results[3].Err; e != nil && !names(e, "op") {
		t.Errorf("invalid op: errors %+v do not name op", e.Errors)
	}
	if e := results[4].Err; e != nil {
		got := fmt.Sprint(e.Problem["matchingProfileIds"])
		if !strings.Contains(got, twin1.ProfileID) || !strings.Contains(got, twin2.ProfileID) || !strings.Contains(e.Detail, twin1.ProfileID) {
			t.Errorf("ambiguous email: matchingProfileIds %s, detail %q; want both %s and %s", got, e.Detail, twin1.ProfileID, twin2.ProfileID)
		}
	}
	if e := results[5].Err; e != nil && e.ExistingProfileID != taken.ProfileID {
		t.Errorf("taken uuid: existingProfileId %q, want %s", e.ExistingProfileID, taken.ProfileID)
	}
	if e := results[6].Err; e != nil && !strings.Contains(e.Detail, "item 0") {
		t.Errorf("second item on item 0's email: detail %q does not name item 0", e.Detail)
	}
	if r := results[7]; r.Profile != nil && (r.Profile.ProfileID != byPhone.ProfileID || len(r.Profile.Contacts) != 2) {
		t.Errorf("upsert by phone: %+v, want %s with the email added", r.Profile, byPhone.ProfileID)
	}

	// What is stored is what the results say: one profile more (item 0),
	// whose email the refused item 6 did not touch.
	all := must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t).Items
	if len(all) != 7 {
		t.Errorf("%d profiles, want the 6 set up and item 0's", len(all))
	}
	found := must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100, Filters: map[string]string{"email": "new@example.com"}}))(t).Items
	if len(found) != 1 || apitest.StringOf(found[0].FirstName) != "New" || results[0].Profile == nil || found[0].ProfileID != results[0].Profile.ProfileID {
		t.Errorf("profiles with item 0's email: %+v, want only item 0's, firstName New", found)
	}
}

// TestBatchUpsertByEachKey: an upsert by each natural key creates the
// profile when none matches (by id: at that id), updates the one it
// matches, and writes nothing when it holds the item's values already.
func TestBatchUpsertByEachKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		match, id string
		profile   func(lastName string) client.ProfileInput
	}{
		{client.MatchID, "0123456789abcdef01234567", func(l string) client.ProfileInput {
			return client.ProfileInput{LastName: client.Value(l)}
		}},
		{client.MatchUUID, "", func(l string) client.ProfileInput {
			return client.ProfileInput{UUID: client.Value("ext-1"), LastName: client.Value(l)}
		}},
		{client.MatchEmail, "", func(l string) client.ProfileInput {
			return client.ProfileInput{LastName: client.Value(l), Contacts: []client.ContactInput{emailContact("each@example.com")}}
		}},
		{client.MatchPhone, "", func(l string) client.ProfileInput {
			return client.ProfileInput{LastName: client.Value(l), Contacts: []client.ContactInput{phoneContact("+44 20 7946 0000")}}
		}},
	} {
		t.Run(tc.match, func(t *testing.T) {
			t.Parallel()
			a := apitest.New(t)
			item := func(l string) client.BatchItem {
				return client.BatchItem{Op: client.OpUpsert, Match: tc.match, ID: tc.id, Profile: tc.profile(l)}
			}
			created := batch(t, a, "", item("First"))[0]
			wantResult(t, 0, created, 201, client.OutcomeCreated)
			if created.Profile == nil {
				t.FailNow()
			}
			if tc.id != "" && created.Profile.ProfileID != tc.id {
				t.Errorf("created at %s, want the item's id %s", created.Profile.ProfileID, tc.id)
			}
			updated := batch(t, a, "", item("Second"))[0]
			wantResult(t, 0, updated, 200, client.OutcomeUpdated)
			again := batch(t, a, "", item("Second"))[0]
			wantResult(t, 0, again, 200, client.OutcomeUnchanged)
			for _, r := range []client.BatchResult{updated, again} {
				if r.Profile != nil && (r.Profile.ProfileID != created.Profile.ProfileID || apitest.StringOf(r.Profile.LastName) != "Second") {
					t.Errorf("%s: %s with lastName %q, want %s with Second", r.Outcome, r.Profile.ProfileID, apitest.StringOf(r.Profile.LastName), created.Profile.ProfileID)
				}
			}
			got := must(a.Admin.GetProfile(ctx, created.Profile.ProfileID))(t)
			if got.ETag != `"2"` {
				t.Errorf("after create, update and an unchanged upsert: ETag %s, want \"2\" (the unchanged one wrote nothing)", got.ETag)
			}
			if n := len(must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t).Items); n != 1 {
				t.Errorf("%d profiles, want 1", n)
			}
		})
	}
}

// TestBatchReplay: the same batch under the same key answers each item as
// it first did (created stays created, with the same profile) and makes
// nothing twice; another batch under the key is each used item's 422.
func TestBatchReplay(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	existing := must(a.Admin.CreateProfile(ctx, client.ProfileInput{UUID: client.Value("r-1")}, nil))(t)
	items := []client.BatchItem{
		{Op: client.OpCreate, Profile: client.ProfileInput{FirstName: client.Value("Replayed")}},
		{Op: client.OpUpsert, Match: client.MatchEmail, Profile: client.ProfileInput{Contacts: []client.ContactInput{emailContact("r@example.com")}}},
		{Op: client.OpUpsert, Match: client.MatchUUID, Profile: client.ProfileInput{UUID: client.Value("r-1"), FirstName: client.Value("R")}},
		{Op: client.OpUpsert, Match: client.MatchUUID, Profile: client.ProfileInput{UUID: client.Value("r-1")}},
	}
	first := batch(t, a, "batch-replay-1", items...)
	second := batch(t, a, "batch-replay-1", items...)
	id := func(r client.BatchResult) string {
		if r.Profile == nil {
			return ""
		}
		return r.Profile.ProfileID
	}
	for i := range items {
		if first[i].Status != second[i].Status || first[i].Outcome != second[i].Outcome || id(first[i]) != id(second[i]) {
			t.Errorf("item %d: first %d %s %+v, replay %d %s %+v", i, first[i].Status, first[i].Outcome, first[i].Profile,
				second[i].Status, second[i].Outcome, second[i].Profile)
		}
	}
	wantResult(t, 0, second[0], 201, client.OutcomeCreated)
	wantResult(t, 1, second[1], 201, client.OutcomeCreated)
	wantResult(t, 2, second[2], 200, client.OutcomeUpdated)
	wantResult(t, 3, second[3], 409, client.ProblemConflict)
	// Item 3 met the same profile as item 2 (uuid r-1): refused, not run.
	if n := len(must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t).Items); n != 3 {
		t.Errorf("%d profiles after a batch and its replay, want 3 (the existing one and items 0 and 1's)", n)
	}
	if got := must(a.Admin.GetProfile(ctx, existing.ProfileID))(t); got.ETag != `"2"` {
		t.Errorf("upserted profile at ETag %s after a batch and its replay, want \"2\"", got.ETag)
	}

	// The raw replay says it is one.
	body := `{"items":[{"op":"create","profile":{"firstName":"Raw"}}]}`
	r1 := a.Do(t, "POST", "/profiles/batch", body, "Authorization", a.AdminAuth(), "Idempotency-Key", "raw-1")
	r2 := a.Do(t, "POST", "/profiles/batch", body, "Authorization", a.AdminAuth(), "Idempotency-Key", "raw-1")
	if r1.Status != 207 || r2.Status != 207 || string(r1.Body) != string(r2.Body) || r1.Header.Get("Idempotent-Replayed") != "" ||
		r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("raw replay: %d %s %v, then %d %s %v", r1.Status, r1.Body, r1.Header, r2.Status, r2.Body, r2.Header)
	}

	// Another batch under a used key: the items that used it are 422s.
	other := batch(t, a, "batch-replay-1", client.BatchItem{Op: client.OpCreate, Profile: client.ProfileInput{FirstName: client.Value("Other")}})
	if e := other[0].Err; other[0].Status != http.StatusUnprocessableEntity || e == nil || !names(e, "Idempotency-Key") {
		t.Errorf("another batch under a used key: %d %+v, want a 422 naming Idempotency-Key", other[0].Status, e)
	}
}

// TestBatchRefusedAsAWhole: a body that is no batch, no items or more
// than 100, and an item that is not an object are the request's 400,
// naming what is wrong; nothing runs.
func TestBatchRefusedAsAWhole(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	many := make([]client.BatchItem, client.BatchLimit+1)
	for i := range many {
		many[i] = client.BatchItem{Op: client.OpCreate, Profile: client.ProfileInput{FirstName: client.Value("Many")}}
	}
	_, err := a.Admin.Batch(ctx, many, nil)
	problem(t, err, http.StatusBadRequest, "items")
	_, err = a.Admin.Batch(ctx, nil, nil)
	problem(t, err, http.StatusBadRequest, "items")
	for _, tc := range []struct{ body, field string }{
		{`not json`, "body"},
		{`{"items":{}}`, "items"},
		{`{"items":[1]}`, "items[0]"},
		{`{"items":[{"op":"create","profile":{}}],"extra":1}`, "extra"},
	} {
		r := a.Do(t, "POST", "/profiles/batch", tc.body, "Authorization", a.AdminAuth())
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s, want a 400 naming %s", tc.body, r.Status, r.Body, tc.field)
		}
	}
	if n := len(must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t).Items); n != 0 {
		t.Errorf("%d profiles after refused batches, want 0", n)
	}
	// An item's own faults are its 400, naming its fields; the rest run.
	res := batch(t, a, "",
		client.BatchItem{Op: client.OpUpsert, Profile: client.ProfileInput{}},
		client.BatchItem{Op: client.OpUpsert, Match: client.MatchEmail, Profile: client.ProfileInput{}},
		client.BatchItem{Op: client.OpUpsert, Match: client.MatchID, ID: "nope", Profile: client.ProfileInput{}},
		client.BatchItem{Op: client.OpCreate, Profile: client.ProfileInput{LastName: client.Value(strings.Repeat("x", 256))}},
		client.BatchItem{Op: client.OpCreate, Profile: client.ProfileInput{LastName: client.Value("Fine")}},
	)
	for i, field := range []string{"match", "profile.contacts", "id", "profile.lastName"} {
		if e := res[i].Err; res[i].Status != 400 || e == nil || !names(e, field) {
			t.Errorf("item %d: %d %+v, want a 400 naming %s", i, res[i].Status, e, field)
		}
	}
	wantResult(t, 4, res[4], 201, client.OutcomeCreated)
	if !slices.ContainsFunc(must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t).Items, func(p views.Profile) bool {
		return apitest.StringOf(p.LastName) == "Fine"
	}) {
		t.Error("the valid item did not land beside the invalid ones")
	}
}
