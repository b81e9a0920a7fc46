package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

// adversarialQuery is a listing chosen against the indexes: skewed data
// that made listings read more as the table grew before.
type adversarialQuery struct {
	label string
	path  string
	// status is the answer at both sizes; tooBroad allows the large
	// table's answer to be the cap's 422 where the small one still serves.
	status   int
	tooBroad bool
}

func adversarialQueries() []adversarialQuery {
	shared := url.QueryEscape(sharedLastName)
	return []adversarialQuery{
		{"filter[enabled]=0 (one disabled profile of all)", "/profiles?limit=10&filter%5Benabled%5D=0", http.StatusOK, false},
		{"filter[enabled]=0&sort_by=lastName", "/profiles?limit=10&filter%5Benabled%5D=0&sort_by=lastName", http.StatusOK, false},
		{"filter[lastName] shared by half, sort_by=lastName", "/profiles?limit=10&sort_by=lastName&filter%5BlastName%5D=" + shared, http.StatusOK, false},
		{"filter[lastName] shared by half, sort_by=firstName", "/profiles?limit=10&sort_by=firstName&filter%5BlastName%5D=" + shared, http.StatusOK, true},
		{"filter[lastName] shared by half, sort_by=updateTime", "/profiles?limit=10&sort_by=updateTime&filter%5BlastName%5D=" + shared, http.StatusOK, true},
		{"filter[middleName] shared by all, sort_by=createTime", "/profiles?limit=10&filter%5BmiddleName%5D=" + sharedMiddleName, http.StatusOK, true},
		{"deep offset (offset=900)", "/profiles?limit=10&offset=900", http.StatusOK, false},
		{"deep offset (offset=900), sort_by=name desc", "/profiles?limit=10&offset=900&sort_by=name&sort_order=desc", http.StatusOK, false},
		{"empty filter value (filter[middleName]=)", "/profiles?limit=10&filter%5BmiddleName%5D=", http.StatusBadRequest, false},
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
		resp, err := e.do(ctx, http.MethodGet, t.url, q.path, nil, 0)
		if err != nil {
			return 0, err
		}
		return resp.StatusCode, nil
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
			calls = append(calls, e.getStatus(t.url, q.path, s))
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
			if units[j], err = e.readCapacity(ctx, t.url, q.path, statuses[i][j]); err != nil {
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
	key, rec, err := auth.NewAPIKey("bench-partner", profile.Now())
	if err != nil {
		return err
	}
	if err := t.Store.PutAPIKey(ctx, rec); err != nil {
		return err
	}
	var created struct {
		ProfileID string `json:"profileId"`
		Contacts  []struct {
			ContactID string `json:"contactId"`
		} `json:"contacts"`
	}
	var contactID string
	idemKey := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	steps := []struct {
		label, method, path, body string
		want                      int
		header                    []string
		after                     func(body []byte) error
	}{
		{label: "POST /profiles (2 contacts)", method: "POST", path: "/profiles", want: 201,
			body:  `{"firstName": "Cost", "lastName": "Bench", "enabled": true, "countryNumericCode": "554", "contacts": [{"key": "email", "value": "cost@bench.example"}, {"key": "phone", "value": "+64220000001"}]}`,
			after: func(b []byte) error { return json.Unmarshal(b, &created) }},
		{label: "GET /profiles/{id}", method: "GET", path: "/profiles/{id}", want: 200},
		{label: "PUT /profiles/{id}", method: "PUT", path: "/profiles/{id}", want: 200,
			body: `{"enabled": true, "firstName": "Cost", "lastName": "Bench", "middleName": "Put", "countryNumericCode": "554", "uuid": null}`},
		{label: "PATCH /profiles/{id} (lastName)", method: "PATCH", path: "/profiles/{id}", want: 200, body: `{"lastName": "Patched"}`},
		{label: "POST /profiles/{id}/contacts", method: "POST", path: "/profiles/{id}/contacts", want: 201,
			body: `{"key": "email", "value": "added@bench.example"}`,
			after: func(b []byte) error {
				var c struct {
					ContactID string `json:"contactId"`
				}
				err := json.Unmarshal(b, &c)
				contactID = c.ContactID
				return err
			}},
		{label: "PATCH /profiles/{id}/contacts/{contactId}", method: "PATCH", path: "/profiles/{id}/contacts/{contact}", want: 200, body: `{"value": "changed@bench.example"}`},
		{label: "GET /profiles/{id}/contacts", method: "GET", path: "/profiles/{id}/contacts", want: 200},
		{label: "DELETE /profiles/{id}/contacts/{contactId}", method: "DELETE", path: "/profiles/{id}/contacts/{contact}", want: 204},
		{label: "GET /profiles?limit=10", method: "GET", path: "/profiles?limit=10", want: 200},
		{label: "GET /profiles?limit=10&sort_by=lastName", method: "GET", path: "/profiles?limit=10&sort_by=lastName", want: 200},
		{label: "GET /profiles?limit=10&filter[enabled]=1", method: "GET", path: "/profiles?limit=10&filter%5Benabled%5D=1", want: 200},
		{label: "GET /profiles?filter[email]=…", method: "GET", path: "/profiles?filter%5Bemail%5D=cost%40bench.example", want: 200},
		{label: "POST /api/me/profile/update (first: creates)", method: "POST", path: "/api/me/profile/update", want: 200,
			body: `{"givenName": "Cost", "familyName": "User", "email": "user@bench.example"}`, header: []string{"Authorization", "Bearer " + userToken}},
		{label: "POST /api/me/profile/update (again)", method: "POST", path: "/api/me/profile/update", want: 200,
			body: `{"marketingUpdates": true}`, header: []string{"Authorization", "Bearer " + userToken}},
		{label: "GET /api/me/profile", method: "GET", path: "/api/me/profile", want: 200, header: []string{"Authorization", "Bearer " + userToken}},
		{label: "GET /api/users/{userId}/profile (x-api-key, with the authorizer's call)", method: "GET", path: "/api/users/" + user + "/profile", want: 200,
			header: []string{"x-api-key", key}},
		{label: "POST /profiles with an Idempotency-Key (first)", method: "POST", path: "/profiles", want: 201,
			body: `{"firstName": "Keyed"}`, header: []string{"Idempotency-Key", idemKey}},
		{label: "POST /profiles with that Idempotency-Key again (the replay)", method: "POST", path: "/profiles", want: 201,
			body: `{"firstName": "Keyed"}`, header: []string{"Idempotency-Key", idemKey}},
		{label: "DELETE /profiles/{id}", method: "DELETE", path: "/profiles/{id}", want: 204},
	}
	for _, s := range steps {
		path := replaceIDs(s.path, created.ProfileID, contactID)
		c, body, err := e.costAndBody(ctx, s.method, t.url, path, s.body, s.want, s.header...)
		if err != nil {
			return err
		}
		if s.after != nil {
			if err := s.after(body); err != nil {
				return fmt.Errorf("%s: %w", s.label, err)
			}
		}
		rep.add("5 endpoint costs", s.label+": read / write capacity units, DynamoDB calls",
			fmt.Sprintf("%s RCU / %s WCU; %s", num(c.read), num(c.write), c.calls))
	}
	return nil
}

func replaceIDs(path, profileID, contactID string) string {
	return strings.NewReplacer("{id}", profileID, "{contact}", contactID).Replace(path)
}
