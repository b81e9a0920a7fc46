package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/client"
)

// newClient is a client of a fresh in-process API, retrying fast.
func newClient(t *testing.T, opts ...client.Option) (*client.Client, string) {
	t.Helper()
	srv := startAPI()
	t.Cleanup(srv.Close)
	opts = append([]client.Option{client.WithBearerToken("admin"), client.WithBackoff(time.Millisecond, 2*time.Millisecond)}, opts...)
	return client.New(srv.URL, opts...), srv.URL
}

// asError is err as an *Error, or the test fails.
func asError(t *testing.T, err error) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a *client.Error", err, err)
	}
	return e
}

// TestProfileWritesHonourIfMatch: create, read and write a profile through
// the client against the in-process API; a write with an ETag that is no
// longer current is a 412 *Error and changes nothing.
func TestProfileWritesHonourIfMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	created, err := c.CreateProfile(ctx, client.ProfileInput{
		FirstName: client.Value("Mary"), LastName: client.Value("Smith"), CountryNumericCode: client.Value("840"),
		Enabled:  client.Value(true),
		Contacts: []client.ContactInput{{Key: client.Value("email"), Value: client.Value("mary@example.com")}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if created.ETag == "" || *created.Name != "Mary Smith" || len(created.Contacts) != 1 || created.Country.Alpha2Code != "US" {
		t.Fatalf("created %+v", created)
	}
	got, err := c.GetProfile(ctx, created.ProfileID)
	if err != nil || got.ETag != created.ETag || got.ProfileID != created.ProfileID {
		t.Fatalf("GET: %+v, %v", got, err)
	}
	patched, err := c.PatchProfile(ctx, created.ProfileID, client.ProfileInput{MiddleName: client.Value("Jane")},
		&client.WriteOptions{IfMatch: created.ETag})
	if err != nil || *patched.MiddleName != "Jane" || patched.ETag == created.ETag {
		t.Fatalf("PATCH with the current ETag: %+v, %v", patched, err)
	}
	stale := created.ETag
	for _, tc := range []struct {
		name  string
		write func(o *client.WriteOptions) error
	}{
		{"PATCH", func(o *client.WriteOptions) error {
			_, err := c.PatchProfile(ctx, created.ProfileID, client.ProfileInput{MiddleName: client.Null[string]()}, o)
			return err
		}},
		{"PUT", func(o *client.WriteOptions) error {
			_, err := c.PutProfile(ctx, created.ProfileID, client.ProfileInput{LastName: client.Value("Jones")}, o)
			return err
		}},
		{"DELETE", func(o *client.WriteOptions) error { return c.DeleteProfile(ctx, created.ProfileID, o) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write(&client.WriteOptions{IfMatch: stale})
			e := asError(t, err)
			if !client.IsPreconditionFailed(err) || e.Status != http.StatusPreconditionFailed || e.Type != "about:blank" ||
				!strings.HasPrefix(e.RequestID, "req-") || e.Method != tc.name {
				t.Fatalf("stale If-Match: %+v", e)
			}
		})
	}
	after, err := c.GetProfile(ctx, created.ProfileID)
	if err != nil || after.ETag != patched.ETag || *after.MiddleName != "Jane" || *after.LastName != "Smith" {
		t.Fatalf("a refused write changed the profile: %+v, %v", after, err)
	}
	if err := c.DeleteProfile(ctx, created.ProfileID, &client.WriteOptions{IfMatch: after.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProfile(ctx, created.ProfileID); !client.IsNotFound(err) {
		t.Fatalf("GET after DELETE: %v", err)
	}
}

// TestContactWrites: a contact's own ETag guards its PATCH, PUT and DELETE.
func TestContactWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	p, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Ann")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := c.CreateContact(ctx, p.ProfileID, client.ContactInput{Key: client.Value("phone"), Value: client.Value("+64 21 555 0100")}, nil)
	if err != nil || ct.Value != "+64215550100" || ct.ETag == "" {
		t.Fatalf("created %+v, %v", ct, err)
	}
	if _, err := c.CreateContact(ctx, p.ProfileID, client.ContactInput{Key: client.Value("phone"), Value: client.Value("+64215550100")}, nil); !client.IsConflict(err) {
		t.Fatalf("the same phone again: %v", err)
	}
	v, err := c.PatchContact(ctx, p.ProfileID, ct.ContactID, client.ContactInput{Verified: client.Value(true)}, &client.WriteOptions{IfMatch: ct.ETag})
	if err != nil || !v.Verified {
		t.Fatalf("PATCH: %+v, %v", v, err)
	}
	if _, err := c.PutContact(ctx, p.ProfileID, ct.ContactID, client.ContactInput{UUID: client.Value("x")}, &client.WriteOptions{IfMatch: ct.ETag}); !client.IsPreconditionFailed(err) {
		t.Fatalf("PUT with a stale ETag: %v", err)
	}
	if err := c.DeleteContact(ctx, p.ProfileID, ct.ContactID, &client.WriteOptions{IfMatch: ct.ETag}); !client.IsPreconditionFailed(err) {
		t.Fatalf("DELETE with a stale ETag: %v", err)
	}
	got, err := c.GetContact(ctx, p.ProfileID, ct.ContactID)
	if err != nil || got.ETag != v.ETag || got.UUID != nil {
		t.Fatalf("GET: %+v, %v", got, err)
	}
	if err := c.DeleteContact(ctx, p.ProfileID, ct.ContactID, &client.WriteOptions{IfMatch: got.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetContact(ctx, p.ProfileID, ct.ContactID); !client.IsNotFound(err) {
		t.Fatalf("GET after DELETE: %v", err)
	}
}

// TestIteratorsFollowTheCursor: the iterators read every item of a listing
// over several pages, each once, in the listing's order.
func TestIteratorsFollowTheCursor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, base := newClient(t)
	var want []string
	var holder string
	for i := range 23 {
		in := client.ProfileInput{FirstName: client.Value(fmt.Sprintf("P%02d", i)), LastName: client.Value("Iter")}
		if i == 0 {
			for j := range 7 {
				in.Contacts = append(in.Contacts, client.ContactInput{Key: client.Value("email"), Value: client.Value(fmt.Sprintf("c%d@example.com", j))})
			}
		}
		p, err := c.CreateProfile(ctx, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			holder = p.ProfileID
		}
		want = append(want, p.ProfileID)
	}
	first, err := c.ListProfiles(ctx, client.ListOptions{Limit: 5, SortBy: "firstName", Filters: map[string]string{"lastName": "Iter"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != 5 || !strings.HasPrefix(first.Next, base+"/profiles?") {
		t.Fatalf("first page: %d items, next %q", len(first.Items), first.Next)
	}
	second, err := c.NextProfiles(ctx, first.Next)
	if err != nil || len(second.Items) != 5 || second.Items[0].ProfileID != want[5] {
		t.Fatalf("second page: %+v, %v", second, err)
	}
	if _, err := c.NextProfiles(ctx, ""); !errors.Is(err, client.ErrNoNextPage) {
		t.Fatalf("NextProfiles(\"\"): %v", err)
	}

	var got []string
	for p, err := range c.Profiles(ctx, client.ListOptions{Limit: 5, SortBy: "firstName", Filters: map[string]string{"lastName": "Iter"}}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.ProfileID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("iterated %d profiles %v, want %d %v", len(got), got, len(want), want)
	}

	var values []string
	for ct, err := range c.Contacts(ctx, holder, client.ListOptions{Limit: 3, SortBy: "value"}) {
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, ct.Value)
	}
	if len(values) != 7 || !slices.IsSorted(values) || slices.Compact(slices.Clone(values)) == nil || len(slices.Compact(slices.Clone(values))) != 7 {
		t.Fatalf("contacts: %v", values)
	}

	// Breaking out stops the iteration; an error ends it.
	n := 0
	for _, err := range c.Profiles(ctx, client.ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	var errs int
	for _, err := range c.Profiles(ctx, client.ListOptions{Limit: 1000}) {
		if err != nil {
			errs++
			if e := asError(t, err); e.Type != client.ProblemValidation || e.Errors[0].Field != "limit" {
				t.Errorf("limit 1000: %+v", e)
			}
		}
	}
	if n != 3 || errs != 1 {
		t.Fatalf("break after %d, %d errors", n, errs)
	}
}

// TestProblemsAreTypedErrors: every non-2xx answer, the service's
// problem+json or API Gateway's own, is an *Error with what it said.
func TestProblemsAreTypedErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, base := newClient(t)
	taken, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Uma"), UUID: client.Value("uuid-1")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	anonymous := client.New(base)
	for _, tc := range []struct {
		name   string
		call   func() error
		status int
		typ    string
		check  func(e *client.Error) bool
	}{
		{"validation names the field", func() error {
			_, err := c.CreateProfile(ctx, client.ProfileInput{LastName: client.Value(strings.Repeat("x", 256))}, nil)
			return err
		}, 400, client.ProblemValidation, func(e *client.Error) bool {
			return len(e.Errors) == 1 && e.Errors[0].Field == "lastName" && e.Title == "Invalid request"
		}},
		{"conflict names the holder", func() error {
			_, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Vic"), UUID: client.Value("uuid-1")}, nil)
			return err
		}, 409, client.ProblemConflict, func(e *client.Error) bool {
			return e.ExistingProfileID == taken.ProfileID && e.Problem["existingProfileId"] == taken.ProfileID
		}},
		{"not found", func() error {
			_, err := c.GetProfile(ctx, "0123456789abcdef01234567")
			return err
		}, 404, "about:blank", func(e *client.Error) bool { return e.Title == "Not Found" }},
		{"reused key", func() error {
			o := &client.WriteOptions{IdempotencyKey: "once"}
			if _, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Wes")}, o); err != nil {
				return err
			}
			_, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Xia")}, o)
			return err
		}, 422, "about:blank", func(e *client.Error) bool { return len(e.Errors) == 1 && e.Errors[0].Field == "Idempotency-Key" }},
		{"API Gateway's own answer", func() error {
			_, err := anonymous.GetProfile(ctx, taken.ProfileID)
			return err
		}, 401, "", func(e *client.Error) bool {
			return e.Detail == "Unauthorized" && e.Title == "Unauthorized" && e.Problem["message"] == "Unauthorized"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			e := asError(t, err)
			if e.Status != tc.status || e.Type != tc.typ || !tc.check(e) || len(e.Body) == 0 || !strings.HasPrefix(e.RequestID, "req-") {
				t.Fatalf("%+v", e)
			}
			if !strings.Contains(e.Error(), fmt.Sprint(tc.status)) || client.IsOutcomeUnknown(err) {
				t.Errorf("Error() %q, IsOutcomeUnknown %v", e.Error(), client.IsOutcomeUnknown(err))
			}
		})
	}
}

// TestUserRoutes: the signed-in user's view with a user token, the
// partner's with an API key, and a keyed update's replay.
func TestUserRoutes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, base := newClient(t)
	me := client.New(base, client.WithUserToken("user-1"))
	if _, err := me.GetMyProfile(ctx); !client.IsNotFound(err) {
		t.Fatalf("before the first update: %v", err)
	}
	o := &client.WriteOptions{IdempotencyKey: "first-update"}
	in := client.UserInput{GivenName: client.Value("John"), Email: client.Value("john@example.com"), MarketingUpdates: client.Value(true)}
	u, err := me.UpdateMyProfile(ctx, in, o)
	if err != nil || u.UserID != "user-1" || *u.GivenName != "John" || !u.MarketingUpdates || u.Replayed {
		t.Fatalf("update: %+v, %v", u, err)
	}
	again, err := me.UpdateMyProfile(ctx, in, o)
	if err != nil || !again.Replayed || again.UserID != "user-1" {
		t.Fatalf("the same key again: %+v, %v", again, err)
	}
	got, err := me.GetMyProfile(ctx)
	if err != nil || *got.Email != "john@example.com" {
		t.Fatalf("GET: %+v, %v", got, err)
	}
	partner := client.New(base, client.WithAPIKey("pk_test"))
	p, err := partner.GetUserProfile(ctx, "user-1")
	if err != nil || *p.GivenName != "John" || p.FamilyName != nil {
		t.Fatalf("partner: %+v, %v", p, err)
	}
	if _, err := partner.GetUserProfile(ctx, "nobody"); !client.IsNotFound(err) {
		t.Fatalf("partner, unknown user: %v", err)
	}
}
