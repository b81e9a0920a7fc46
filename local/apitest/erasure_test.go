package apitest_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
)

// TestErasureRequest: an erasure by email erases every profile with the
// address, whatever its case, and no other; the receipt names them and the
// copies out of reach; a keyed retry replays it; the request again erases
// none; a body naming no subject, or two, is a 400 naming them.
func TestErasureRequest(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	email := func(v string) []client.ContactInput {
		return []client.ContactInput{{Key: client.Value("email"), Value: client.Value(v)}}
	}
	p1 := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("One"), Contacts: email("shared@erase.example")}, nil))(t)
	p2 := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Two"), Contacts: email("SHARED@erase.example")}, nil))(t)
	other := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Other"), Contacts: email("other@erase.example")}, nil))(t)

	opts := &client.WriteOptions{IdempotencyKey: "erase-shared"}
	rc := must(a.Admin.EraseProfiles(ctx, client.ErasureSubject{Email: "Shared@Erase.example"}, opts))(t)
	got := slices.Sorted(slices.Values(rc.ErasedProfileIDs))
	if want := slices.Sorted(slices.Values([]string{p1.ProfileID, p2.ProfileID})); !slices.Equal(got, want) || rc.Replayed {
		t.Errorf("erased %v (replayed %v), want %v", got, rc.Replayed, want)
	}
	var copies []string
	for _, u := range rc.Unreachable {
		copies = append(copies, u.Copy)
	}
	if !slices.Equal(copies, []string{"stream", "events", "logs", "backups"}) || rc.Unreachable[0].AgesOutBy == nil || rc.Unreachable[1].AgesOutBy != nil {
		t.Errorf("unreachable %+v", rc.Unreachable)
	}
	for _, id := range []string{p1.ProfileID, p2.ProfileID} {
		_, err := a.Admin.GetProfile(ctx, id)
		problem(t, err, http.StatusNotFound, "")
	}
	must(a.Admin.GetProfile(ctx, other.ProfileID))(t)

	replay := must(a.Admin.EraseProfiles(ctx, client.ErasureSubject{Email: "Shared@Erase.example"}, opts))(t)
	if !replay.Replayed || !slices.Equal(replay.ErasedProfileIDs, rc.ErasedProfileIDs) || replay.ErasedAt != rc.ErasedAt {
		t.Errorf("keyed retry %+v, want the first receipt %+v replayed", replay, rc)
	}
	again := must(a.Admin.EraseProfiles(ctx, client.ErasureSubject{Email: "shared@erase.example"}, nil))(t)
	if len(again.ErasedProfileIDs) != 0 {
		t.Errorf("the request again erased %v", again.ErasedProfileIDs)
	}
	_, err := a.Admin.EraseProfiles(ctx, client.ErasureSubject{UUID: "x"}, opts)
	problem(t, err, http.StatusUnprocessableEntity, "Idempotency-Key")

	for _, tc := range []struct {
		sub    client.ErasureSubject
		fields []string
	}{
		{client.ErasureSubject{}, []string{"email", "phone", "uuid", "userId", "profileId"}},
		{client.ErasureSubject{Phone: "+6421000000", ProfileID: "x"}, []string{"phone", "profileId"}},
	} {
		_, err := a.Admin.EraseProfiles(ctx, tc.sub, nil)
		e := problem(t, err, http.StatusBadRequest, tc.fields[0])
		for _, f := range tc.fields {
			if !names(&e, f) {
				t.Errorf("%+v: errors %s do not name %s", tc.sub, e.Body, f)
			}
		}
	}
}

// TestUserErasesOwnProfile: after DELETE /api/me/profile the user's view
// and the partner look-up are 404s, and so is a second DELETE.
func TestUserErasesOwnProfile(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	const sub = "5a2b1c9e-erase-own"
	user := a.User(sub)
	must(user.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("Gone")}, nil))(t)
	partner := a.Partner(a.NewAPIKey("partner"))
	must(partner.GetUserProfile(ctx, sub))(t)
	if err := user.DeleteMyProfile(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := user.GetMyProfile(ctx)
	problem(t, err, http.StatusNotFound, "")
	_, err = partner.GetUserProfile(ctx, sub)
	problem(t, err, http.StatusNotFound, "")
	problem(t, user.DeleteMyProfile(ctx), http.StatusNotFound, "")
}
