package client_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/profiles-service/profiles/client"
)

// A profile's life: create it, change it under If-Match with the ETag
// read, and see a stale ETag refused. startAPI serves the API in process
// (its handlers on an in-memory store); use your deployment's URL instead.
func Example() {
	srv := startAPI()
	defer srv.Close()
	ctx := context.Background()
	c := client.New(srv.URL, client.WithBearerToken("admin-token"))

	p, err := c.CreateProfile(ctx, client.ProfileInput{
		FirstName:          client.Value("Mary"),
		LastName:           client.Value("Smith"),
		CountryNumericCode: client.Value("840"),
		Enabled:            client.Value(true),
		Contacts: []client.ContactInput{
			{Key: client.Value("email"), Value: client.Value("Mary@Example.com")},
		},
	}, nil) // nil: no precondition, and a generated Idempotency-Key
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*p.Name, p.Country.CountryName, p.Contacts[0].Value, p.ETag)

	// Change it only if nobody has since it was read.
	p2, err := c.PatchProfile(ctx, p.ProfileID, client.ProfileInput{
		MiddleName: client.Value("Jane"),
		Tags:       client.Value([]string{"vip"}),
	}, &client.WriteOptions{IfMatch: p.ETag})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*p2.Name, p2.Tags, p2.ETag)

	// The first ETag is stale now: a 412 that changes nothing.
	_, err = c.PatchProfile(ctx, p.ProfileID, client.ProfileInput{MiddleName: client.Null[string]()},
		&client.WriteOptions{IfMatch: p.ETag})
	fmt.Println(client.IsPreconditionFailed(err))
	// Output:
	// Mary Smith United States Mary@example.com "1"
	// Mary Jane Smith [vip] "2"
	// true
}

// Profiles reads a listing page after page, following the cursor of each
// answer's Link header; a break stops it.
func ExampleClient_Profiles() {
	srv := startAPI()
	defer srv.Close()
	ctx := context.Background()
	c := client.New(srv.URL, client.WithBearerToken("admin-token"))
	for _, name := range []string{"Cleo", "Ada", "Eve", "Bea", "Dee"} {
		if _, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value(name)}, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Two a page: three requests.
	for p, err := range c.Profiles(ctx, client.ListOptions{Limit: 2, SortBy: "firstName"}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(*p.FirstName)
	}
	// Output:
	// Ada
	// Bea
	// Cleo
	// Dee
	// Eve
}

// ListProfiles reads one page; Next names the page after it, "" after the
// last.
func ExampleClient_ListProfiles() {
	srv := startAPI()
	defer srv.Close()
	ctx := context.Background()
	c := client.New(srv.URL, client.WithBearerToken("admin-token"))
	for _, name := range []string{"Ann", "Ben", "Cai"} {
		if _, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value(name), Enabled: client.Value(name != "Ben")}, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	page, err := c.ListProfiles(ctx, client.ListOptions{Limit: 1, SortBy: "firstName", SortOrder: "desc",
		Filters: map[string]string{"enabled": "true"}})
	for err == nil {
		fmt.Println(*page.Items[0].FirstName, page.Next != "")
		if page.Next == "" {
			break
		}
		page, err = c.NextProfiles(ctx, page.Next)
	}
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// Cai true
	// Ann false
}

// Every non-2xx answer is an *Error: branch on Status and Type, read the
// invalid fields from Errors, and quote RequestID when asking about it.
func ExampleError() {
	srv := startAPI()
	defer srv.Close()
	ctx := context.Background()
	c := client.New(srv.URL, client.WithBearerToken("admin-token"))

	_, err := c.CreateProfile(ctx, client.ProfileInput{
		FirstName: client.Value("Al"),
		Contacts:  []client.ContactInput{{Key: client.Value("fax"), Value: client.Value("123")}},
	}, nil)
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Type == client.ProblemValidation, e.RequestID != "")
		for _, f := range e.Errors {
			fmt.Println(f.Field)
		}
	}

	_, err = c.GetProfile(ctx, "000000000000000000000000")
	fmt.Println(client.IsNotFound(err))
	// Output:
	// 400 true true
	// contacts[0].key
	// true
}

// A user signed in with their own token creates and changes their profile
// with UpdateMyProfile. Sent again with the same Idempotency-Key (as the
// client does when it retries), the update replays its first answer
// instead of running twice.
func ExampleClient_UpdateMyProfile() {
	srv := startAPI()
	defer srv.Close()
	ctx := context.Background()
	me := client.New(srv.URL, client.WithUserToken("user-42")) // startAPI's token is its subject

	o := &client.WriteOptions{IdempotencyKey: "signup-user-42"}
	in := client.UserInput{GivenName: client.Value("John"), FamilyName: client.Value("Doe"), MarketingUpdates: client.Value(true)}
	u, err := me.UpdateMyProfile(ctx, in, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := me.UpdateMyProfile(ctx, in, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.UserID, *u.GivenName, u.Replayed, again.Replayed)

	partner := client.New(srv.URL, client.WithAPIKey("pk_partner"))
	v, err := partner.GetUserProfile(ctx, "user-42")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*v.FamilyName, v.MarketingUpdates)
	// Output:
	// user-42 John false true
	// Doe true
}

// Each field of a write is absent (the zero Opt: left as it is), null
// (cleared) or a value.
func ExampleOpt() {
	b, _ := client.ProfileInput{
		FirstName:  client.Value("Mary"),     // set
		MiddleName: client.Null[string](),    // cleared
		Enabled:    client.Value(false),      // set, to false
		Tags:       client.Value([]string{}), // emptied
		// LastName and the rest: absent, left as they are
	}.MarshalJSON()
	fmt.Println(string(b))
	// Output:
	// {"firstName":"Mary","middleName":null,"enabled":false,"tags":[]}
}

// IsOutcomeUnknown tells the errors after which a write may have landed;
// the client retried what it safely could before returning it.
func ExampleIsOutcomeUnknown() {
	srv := startAPI()
	defer srv.Close()
	ctx := context.Background()
	c := client.New(srv.URL, client.WithBearerToken("admin-token"))
	p, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Lee")}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.PatchProfile(ctx, p.ProfileID, client.ProfileInput{LastName: client.Value("Ng")}, nil)
	switch {
	case err == nil:
		fmt.Println("landed")
	case client.IsOutcomeUnknown(err):
		// Read it (GetProfile) to learn whether it landed before writing again.
		fmt.Println("may have landed")
	default:
		fmt.Println("did not land:", err)
	}
	// Output:
	// landed
}
