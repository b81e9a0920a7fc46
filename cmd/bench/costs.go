package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

// adversarialQuery is a listing chosen against the indexes: skewed data
// that made listings read more as the table grew before.
type adversarialQuery struct {
	label string
	opts  client.ListOptions
	// status is the answer at both sizes; tooBroad allows the large
	// table's answer to be the cap's 422 where the small one still serves.
	status   int
	tooBroad bool
}

func adversarialQueries() []adversarialQuery {
	filter := func(name, value string) map[string]string { return map[string]string{name: value} }
	return []adversarialQuery{
		{"filter[enabled]=0 (one disabled profile of all)", client.ListOptions{Limit: 10, Filters: filter("enabled", "0")}, http.StatusOK, false},
		{"filter[enabled]=0&sort_by=lastName", client.ListOptions{Limit: 10, Filters: filter("enabled", "0"), SortBy: "lastName"}, http.StatusOK, false},
		{"filter[lastName] shared by half, sort_by=lastName", client.ListOptions{Limit: 10, SortBy: "lastName", Filters: filter("lastName", sharedLastName)}, http.StatusOK, false},
		{"filter[lastName] shared by half, sort_by=firstName", client.ListOptions{Limit: 10, SortBy: "firstName", Filters: filter("lastName", sharedLastName)}, http.StatusOK, true},
		{"filter[lastName] shared by half, sort_by=updateTime", client.ListOptions{Limit: 10, SortBy: "updateTime", Filters: filter("lastName", sharedLastName)}, http.StatusOK, true},
		{"filter[middleName] shared by all, sort_by=createTime", client.ListOptions{Limit: 10, Filters: filter("middleName", sharedMiddleName)}, http.StatusOK, true},
		{"deep offset (offset=900)", client.ListOptions{Limit: 10, Offset: 900}, http.StatusOK, false},
		{"deep offset (offset=900), sort_by=name desc", client.ListOptions{Limit: 10, Offset: 900, SortBy: "name", SortOrder: "desc"}, http.StatusOK, false},
		{"empty filter value (filter[middleName]=)", client.ListOptions{Limit: 10, Filters: filter("middleName", "")}, http.StatusBadRequest, false},
	}
}

// adversarial measures the adversarial listings on the small and the large
// table, interleaved: p50 and read capacity per page at both sizes.
func adversarial(ctx context.Context, e *env, rep *report, p *progress) error {
	qs := adversarialQueries()
	small, large := count(e.o.small), count(e.o.large)
	// The status each table answers: the cap's 422 where the query is too
	// broad for a table that size.
	status := func(q adversarialQuery, t *table) (int, error) {
		_, err := t.client.ListProfiles(ctx, q.opts)
		if s := statusOf(err); s != 0 {
			return s, nil
		}
		return 0, err
	}
	var calls []call
	var statuses [][2]int
	for _, q := range qs {
		var st [2]int
		for i, t := range []*table{e.small, e.large} {
			s, err := status(q, t)
			if err != nil {
				return err
			}
			if s != q.status && !(q.tooBroad && s == http.StatusUnprocessableEntity) {
				return fmt.Errorf("%s on %d profiles: status %d", q.label, []int{e.o.small, e.o.large}[i], s)
			}
			st[i] = s
			calls = append(calls, listProfiles(t.client, q.opts, s))
		}
		statuses = append(statuses, st)
	}
	p.logf("adversarial listings: %d requests of each of %d listings at two sizes, interleaved", e.o.advSamples, len(qs))
	l, err := interleave(ctx, e.o.advSamples, 1, calls...)
	if err != nil {
		return err
	}
	for i, q := range qs {
		var units [2]float64
		for j, t := range []*table{e.small, e.large} {
			if units[j], err = readCapacity(ctx, q.label, listProfiles(t.client, q.opts, statuses[i][j])); err != nil {
				return err
			}
		}
		ls, ll := l[2*i], l[2*i+1]
		// The cap's 422 is bounded: it reads the cap's entries and stops,
		// whatever the table's size.
		capped := statuses[i][1] == http.StatusUnprocessableEntity && statuses[i][0] != statuses[i][1]
		growth := ratioOf(ll.p50(), ls.p50())
		answers := fmt.Sprintf("%d / %d", statuses[i][0], statuses[i][1])
		target, ok := "≤ ×"+num(listGrowth), growth <= listGrowth
		if q.tooBroad {
			target, ok = target+", or the cap's 422", ok || capped
		}
		rep.check("3 adversarial listings", fmt.Sprintf("%s: answer and p50 at %s / %s profiles", q.label, small, large),
			fmt.Sprintf("%s; %s / %s (%s)", answers, ms(ls.p50()), ms(ll.p50()), times(growth)), target, ok)
		target, ok = "identical", units[0] == units[1]
		if q.tooBroad {
			target, ok = "identical, or the cap's 422", ok || capped
		}
		rep.check("3 adversarial listings", fmt.Sprintf("%s: read capacity per request at %s / %s", q.label, small, large),
			fmt.Sprintf("%s / %s RCU", num(units[0]), num(units[1])), target, ok)
	}
	return nil
}

// endpointCosts sends one request to each endpoint on the large table and
// reports what it cost: read and write capacity units and DynamoDB calls,
// summed over every call of the request (the authorizer's included).
func endpointCosts(ctx context.Context, e *env, rep *report, p *progress) error {
	t := e.large
	p.logf("endpoint costs: one request each on %s profiles", count(e.o.large))
	user := fmt.Sprintf("bench-user-%d", time.Now().UnixNano())
	userToken, err := e.userToken(user)
	if err != nil {
		return err
	}
	// A name of its own: names are unique, and -reuse keeps the table.
	key, rec, err := auth.NewAPIKey(fmt.Sprintf("bench-partner-%d", time.Now().UnixNano()), profile.Now())
	if err != nil {
		return err
	}
	if err := t.Store.PutAPIKey(ctx, rec); err != nil {
		return err
	}
	admin := t.client
	asUser := e.apiClient(t.url, client.WithUserToken(userToken))
	asPartner := e.apiClient(t.url, client.WithAPIKey(key))
	var profileID, contactID string
	idemKey := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	keyed := &client.WriteOptions{IdempotencyKey: idemKey}
	str := client.Value[string]
	// The writes send no Idempotency-Key (noKey) but the two that measure it.
	steps := []struct {
		label string
		send  call
	}{
		{"POST /profiles (2 contacts)", func(ctx context.Context) error {
			p, err := admin.CreateProfile(ctx, client.ProfileInput{FirstName: str("Cost"), LastName: str("Bench"), Enabled: client.Value(true),
				CountryNumericCode: str("554"), Contacts: []client.ContactInput{
					{Key: str("email"), Value: str("cost@bench.example")}, {Key: str("phone"), Value: str("+64220000001")}}}, noKey)
			if err == nil {
				profileID = p.ProfileID
			}
			return err
		}},
		{"GET /profiles/{id}", func(ctx context.Context) error { _, err := admin.GetProfile(ctx, profileID); return err }},
		{"PUT /profiles/{id}", func(ctx context.Context) error {
			_, err := admin.PutProfile(ctx, profileID, client.ProfileInput{Enabled: client.Value(true), FirstName: str("Cost"), LastName: str("Bench"),
				MiddleName: str("Put"), CountryNumericCode: str("554"), UUID: client.Null[string]()}, nil)
			return err
		}},
		{"PATCH /profiles/{id} (lastName)", func(ctx context.Context) error {
			_, err := admin.PatchProfile(ctx, profileID, client.ProfileInput{LastName: str("Patched")}, nil)
			return err
		}},
		{"POST /profiles/{id}/contacts", func(ctx context.Context) error {
			c, err := admin.CreateContact(ctx, profileID, client.ContactInput{Key: str("email"), Value: str("added@bench.example")}, noKey)
			if err == nil {
				contactID = c.ContactID
			}
			return err
		}},
		{"PATCH /profiles/{id}/contacts/{contactId}", func(ctx context.Context) error {
			_, err := admin.PatchContact(ctx, profileID, contactID, client.ContactInput{Value: str("changed@bench.example")}, nil)
			return err
		}},
		{"GET /profiles/{id}/contacts", func(ctx context.Context) error {
			_, err := admin.ListContacts(ctx, profileID, client.ListOptions{})
			return err
		}},
		{"DELETE /profiles/{id}/contacts/{contactId}", func(ctx context.Context) error { return admin.DeleteContact(ctx, profileID, contactID, nil) }},
		{"GET /profiles?limit=10", listProfiles(admin, client.ListOptions{Limit: 10}, http.StatusOK)},
		{"GET /profiles?limit=10&sort_by=lastName", listProfiles(admin, client.ListOptions{Limit: 10, SortBy: "lastName"}, http.StatusOK)},
		{"GET /profiles?limit=10&filter[enabled]=1", listProfiles(admin, client.ListOptions{Limit: 10, Filters: map[string]string{"enabled": "1"}}, http.StatusOK)},
		{"GET /profiles?filter[email]=…", listProfiles(admin, client.ListOptions{Filters: map[string]string{"email": "cost@bench.example"}}, http.StatusOK)},
		{"POST /api/me/profile/update (first: creates)", func(ctx context.Context) error {
			_, err := asUser.UpdateMyProfile(ctx, client.UserInput{GivenName: str("Cost"), FamilyName: str("User"), Email: str("user@bench.example")}, noKey)
			return err
		}},
		{"POST /api/me/profile/update (again)", func(ctx context.Context) error {
			_, err := asUser.UpdateMyProfile(ctx, client.UserInput{MarketingUpdates: client.Value(true)}, noKey)
			return err
		}},
		{"GET /api/me/profile", func(ctx context.Context) error { _, err := asUser.GetMyProfile(ctx); return err }},
		{"GET /api/users/{userId}/profile (x-api-key, with the authorizer's call)", func(ctx context.Context) error {
			_, err := asPartner.GetUserProfile(ctx, user)
			return err
		}},
		{"POST /profiles with an Idempotency-Key (first)", func(ctx context.Context) error {
			_, err := admin.CreateProfile(ctx, client.ProfileInput{FirstName: str("Keyed")}, keyed)
			return err
		}},
		{"POST /profiles with that Idempotency-Key again (the replay)", func(ctx context.Context) error {
			p, err := admin.CreateProfile(ctx, client.ProfileInput{FirstName: str("Keyed")}, keyed)
			if err == nil && !p.Replayed {
				err = errors.New("the second POST with the key was not a replay")
			}
			return err
		}},
		{"DELETE /profiles/{id}", func(ctx context.Context) error { return admin.DeleteProfile(ctx, profileID, nil) }},
		{"POST /profiles/erasures by email (the user's profile)", func(ctx context.Context) error {
			_, err := admin.EraseProfiles(ctx, client.ErasureSubject{Email: "user@bench.example"}, noKey)
			return err
		}},
		{"DELETE /api/me/profile (none left: 404)", func(ctx context.Context) error {
			if err := asUser.DeleteMyProfile(ctx); !client.IsNotFound(err) {
				return fmt.Errorf("want a 404, got %w", err)
			}
			return nil
		}},
	}
	for _, s := range steps {
		c, err := costOf(ctx, s.send)
		if err != nil {
			return fmt.Errorf("%s: %w", s.label, err)
		}
		rep.add("5 endpoint costs", s.label+": read / write capacity units, DynamoDB calls",
			fmt.Sprintf("%s RCU / %s WCU; %s", num(c.read), num(c.write), c.calls))
	}
	return nil
}
