package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/profiles-service/profiles/client"
)

// overhead compares GET /profiles/{id} through the local API with the one
// DynamoDB call the handler makes (a consistent GetItem of the profile
// item, contacts embedded), sent directly with the same SDK client set-up.
func overhead(ctx context.Context, e *env, rep *report, p *progress) error {
	t, id := e.large, e.getID
	in, err := t.getItemOf(ctx, "/profiles/"+id, e.token)
	if err != nil {
		return err
	}
	direct := func(ctx context.Context) error {
		out, err := t.DB.GetItem(ctx, in)
		if err == nil && out.Item == nil {
			err = errors.New("GetItem: no item")
		}
		return err
	}
	api := getProfile(t.client, id)
	// The same GetItem behind a bare net/http handler of this process: what
	// an HTTP hop alone adds here, the part of the overhead no code of the
	// service can remove.
	hop, err := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := direct(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	if err != nil {
		return err
	}
	defer hop.Close()
	bare := e.bareGet("http://" + hop.Addr + "/")
	for _, c := range []int{1, e.o.concurrency} {
		p.logf("service overhead at concurrency %d: %d GETs through the API, GetItems and bare HTTP GetItems, interleaved", c, e.o.samples)
		l, err := interleave(ctx, e.o.samples, c, api, direct, bare)
		if err != nil {
			return err
		}
		ratio := ratioOf(l[0].p50(), l[1].p50())
		rep.add("1 overhead", fmt.Sprintf("GET /profiles/{id} (3 contacts) through the API, concurrency %d: p50 / p99", c), pair(l[0]))
		rep.add("1 overhead", fmt.Sprintf("its GetItem sent directly, concurrency %d: p50 / p99", c), pair(l[1]))
		what := fmt.Sprintf("API ÷ direct, p50 at concurrency %d", c)
		if c == 1 {
			rep.check("1 overhead", what, times(ratio), "≤ ×"+num(overheadLimit), ratio <= overheadLimit)
		} else {
			rep.add("1 overhead", what, times(ratio))
		}
		rep.add("1 overhead", fmt.Sprintf("for reference: the GetItem behind a bare HTTP handler ÷ direct, p50 at concurrency %d", c),
			fmt.Sprintf("%s (%s)", times(ratioOf(l[2].p50(), l[1].p50())), ms(l[2].p50())))
	}
	return nil
}

// listQuery is a listing the sections compare.
type listQuery struct {
	label string
	opts  client.ListOptions
}

var listQueries = []listQuery{
	{"sort_by=lastName", client.ListOptions{Limit: 10, SortBy: "lastName"}},
	{"default sort (createTime)", client.ListOptions{Limit: 10}},
	{"filter[enabled]=1", client.ListOptions{Limit: 10, Filters: map[string]string{"enabled": "1"}}},
}

// byDefault says whether q is the default page: no sort, no filter.
func (q listQuery) byDefault() bool { return q.opts.SortBy == "" && len(q.opts.Filters) == 0 }

// bareGet is a measured GET of url with the bench's HTTP client alone:
// the bare HTTP hop the overhead section compares the API with. It is not
// a request of the API, so it does not go through package client.
func (e *env) bareGet(url string) call {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := e.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
		}
		return nil
	}
}

// listing measures each listing on the small, the large and the sharded
// table and one GET, interleaved, and the read capacity of each page.
func listing(ctx context.Context, e *env, rep *report, p *progress) error {
	tables := []*table{e.small, e.large, e.shard}
	var calls []call
	for _, q := range listQueries {
		for _, t := range tables {
			calls = append(calls, listProfiles(t.client, q.opts, http.StatusOK))
		}
	}
	calls = append(calls, getProfile(e.large.client, e.getID))
	p.logf("listing: %d requests of each of %d listings and one GET, interleaved", e.o.samples, len(calls)-1)
	l, err := interleave(ctx, e.o.samples, 1, calls...)
	if err != nil {
		return err
	}
	get := l[len(l)-1]
	small, large := count(e.o.small), count(e.o.large)
	var worst, byDefault float64
	var worstLabel string
	for i, q := range listQueries {
		var units [3]float64
		for j, t := range tables {
			if units[j], err = readCapacity(ctx, q.label, listProfiles(t.client, q.opts, http.StatusOK)); err != nil {
				return err
			}
		}
		ls, ll, lsh := l[3*i], l[3*i+1], l[3*i+2]
		growth := ratioOf(ll.p50(), ls.p50())
		rep.check("2 listing", fmt.Sprintf("%s: p50 at %s / %s profiles", q.label, small, large),
			fmt.Sprintf("%s / %s (%s)", ms(ls.p50()), ms(ll.p50()), times(growth)), "≤ ×"+num(listGrowth), growth <= listGrowth)
		rep.check("2 listing", fmt.Sprintf("%s: read capacity per page at %s / %s", q.label, small, large),
			fmt.Sprintf("%s / %s RCU", num(units[0]), num(units[1])), "identical", units[0] == units[1])
		r := ratioOf(ll.p50(), get.p50())
		if r > worst {
			worst, worstLabel = r, q.label
		}
		if q.byDefault() {
			byDefault = r
		}
		rep.add("7 sharding", fmt.Sprintf("%s at %s: 1 shard / %d shards", q.label, small, e.o.shards),
			fmt.Sprintf("p50 %s / %s; %s / %s RCU", ms(ls.p50()), ms(lsh.p50()), num(units[0]), num(units[2])))
	}
	rep.check("2 listing", fmt.Sprintf("page of 10 with contacts ÷ one GET, p50 at %s (slowest: %s)", large, worstLabel),
		fmt.Sprintf("%s (GET %s)", times(worst), ms(get.p50())), "≤ ×"+num(pageVersusGet), worst <= pageVersusGet)
	rep.check("2 listing", fmt.Sprintf("the default page ÷ one GET, p50 at %s", large), times(byDefault), "≤ ×"+num(defaultPage), byDefault <= defaultPage)
	return nil
}

// writes measures POST /profiles with two contacts at the bench's concurrency.
func writes(ctx context.Context, e *env, rep *report, p *progress) error {
	var seq atomic.Int64
	post := func(ctx context.Context) error {
		i := seq.Add(1)
		_, err := e.large.client.CreateProfile(ctx, client.ProfileInput{
			FirstName: client.Value("Writer"), LastName: client.Value(fmt.Sprintf("Bench%07d", i)),
			Enabled: client.Value(true), CountryNumericCode: client.Value("554"),
			Contacts: []client.ContactInput{
				{Key: client.Value("email"), Value: client.Value(fmt.Sprintf("writer%07d@bench.example", i))},
				{Key: client.Value("phone"), Value: client.Value(fmt.Sprintf("+6422%07d", i))},
			},
		}, noKey)
		return err
	}
	c := e.o.concurrency
	if _, _, err := batch(ctx, 2*c, c, post); err != nil {
		return err
	}
	p.logf("writes: %d POST /profiles at concurrency %d", e.o.writes, c)
	l, wall, err := batch(ctx, e.o.writes, c, post)
	if err != nil {
		return err
	}
	rep.add("4 writes", fmt.Sprintf("POST /profiles (2 contacts), concurrency %d: p50 / p99", c), pair(l))
	rep.add("4 writes", fmt.Sprintf("POST /profiles (2 contacts), concurrency %d: throughput", c),
		fmt.Sprintf("%.0f requests/s", float64(len(l))/wall.Seconds()))
	return nil
}

func ratioOf(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}
