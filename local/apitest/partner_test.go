package apitest_test

import (
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
)

// TestPartnerSeesOnlyAVerifiedEmail: the partner's answer keeps the
// reference's five fields, and its email is the user's address only once
// an admin has marked that address verified; a new address the user sets
// is null to the partner until it is verified in its turn. The user's own
// view shows the address and its flag all along.
func TestPartnerSeesOnlyAVerifiedEmail(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	const sub = "partner-email-user"
	user, partner := a.User(sub), a.Partner(a.NewAPIKey("partner-email"))
	setEmail := func(addr string) func(t *testing.T) {
		return func(t *testing.T) {
			must(user.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("Ann"), Email: client.Value(addr)}, nil))(t)
		}
	}
	verify := func(addr string, verified bool) func(t *testing.T) {
		return func(t *testing.T) { verifyEmail(t, a, addr, verified) }
	}
	for _, step := range []struct {
		name         string
		do           func(t *testing.T)
		userEmail    string
		userVerified bool
		partnerEmail string // "" for null
	}{
		{"the user sets an address", setEmail("ann@example.com"), "ann@example.com", false, ""},
		{"an admin verifies it", verify("ann@example.com", true), "ann@example.com", true, "ann@example.com"},
		{"the user changes it", setEmail("ann@example.org"), "ann@example.org", false, ""},
		{"an admin verifies the new one", verify("ann@example.org", true), "ann@example.org", true, "ann@example.org"},
		{"an admin withdraws the verification", verify("ann@example.org", false), "ann@example.org", false, ""},
	} {
		step.do(t)
		me := must(user.GetMyProfile(ctx))(t)
		if apitest.StringOf(me.Email) != step.userEmail || me.EmailVerified != step.userVerified {
			t.Errorf("%s: the user sees %q verified %v, want %q %v", step.name, apitest.StringOf(me.Email), me.EmailVerified, step.userEmail, step.userVerified)
		}
		p := must(partner.GetUserProfile(ctx, sub))(t)
		if got := apitest.StringOf(p.Email); got != step.partnerEmail || (step.partnerEmail == "") != (p.Email == nil) {
			t.Errorf("%s: the partner sees email %q (null: %v), want %q", step.name, got, p.Email == nil, step.partnerEmail)
		}
		if apitest.StringOf(p.GivenName) != "Ann" {
			t.Errorf("%s: the partner sees %+v", step.name, p)
		}
	}
}

// verifyEmail sets, as an admin, the verified flag of the contact that
// holds the address (on the one profile that holds it).
func verifyEmail(t *testing.T, a *apitest.API, addr string, verified bool) {
	t.Helper()
	page := must(a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"email": addr}}))(t)
	if len(page.Items) != 1 {
		t.Fatalf("filter[email]=%s: %d profiles", addr, len(page.Items))
	}
	for _, c := range page.Items[0].Contacts {
		if c.Value == addr {
			must(a.Admin.PatchContact(ctx, page.Items[0].ProfileID, c.ContactID, client.ContactInput{Verified: client.Value(verified)}, nil))(t)
			return
		}
	}
	t.Fatalf("no contact %s", addr)
}
