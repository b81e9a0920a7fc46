package integration

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/testenv"
)

// newFaultyAPI is the service with a fault-injecting proxy between it and
// DynamoDB Local, and a 2 s request deadline.
func newFaultyAPI(t *testing.T) (*api, *testenv.FaultProxy) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	cfg := testenv.Config(t)
	proxy := testenv.NewFaultProxy(t, cfg.Endpoint)
	cfg.Endpoint, cfg.Budget.Timeout = proxy.URL, 2*time.Second
	s := testenv.NewStackWith(t, cfg)
	return &api{t: t, stack: s, token: testenv.Token(t, "admin", "profiles:read", "profiles:write")}, proxy
}

// TestFailingDatabaseGives503InTime: with every call failing, each request
// answers 503 before the fault would have let it through. A read's 503, a
// throttled write's (DynamoDB refused it) and a write never sent are plain
// 503s; a write sent without an answer (500, dropped, too slow) may have
// landed, so its 503 says outcome-unknown. Nothing changed the profile.
func TestFailingDatabaseGives503InTime(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Before"}`).expect(t, 201, &p)
	const slow = 20 * time.Second
	for _, tc := range []struct {
		name    string
		fault   testenv.Fault
		delay   time.Duration
		unknown bool // a write's outcome is unknown
	}{
		{"throttling", testenv.Throttle, 0, false},
		{"DynamoDB 500", testenv.Internal, 0, true},
		{"connection reset", testenv.Reset, 0, true},
		{"slower than the deadline", testenv.Slow, slow, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy.Set(tc.fault, 1, tc.delay)
			defer proxy.Set(testenv.Pass, 0, 0)
			reqs := []struct {
				method, path, body string
				write              bool
			}{
				{"POST", "/profiles", `{"firstName":"During"}`, true},
				{"GET", "/profiles/" + p.ProfileID, "", false},
				{"PATCH", "/profiles/" + p.ProfileID, `{"lastName":"During"}`, false}, // its read fails first
				{"GET", "/profiles?sort_by=name", "", false},
			}
			// The requests are independent: sent at once, each timed on
			// its own, they wait out their deadlines together.
			rs := make([]*response, len(reqs))
			errs := make([]error, len(reqs))
			took := make([]time.Duration, len(reqs))
			var wg sync.WaitGroup
			for i, req := range reqs {
				var body any
				if req.body != "" {
					body = req.body
				}
				wg.Go(func() {
					start := time.Now()
					rs[i], errs[i] = a.req(req.method, req.path, body).sendWith(t, http.DefaultClient)
					took[i] = time.Since(start)
				})
			}
			wg.Wait()
			for i, req := range reqs {
				if errs[i] != nil {
					t.Fatalf("%s %s: %v", req.method, req.path, errs[i])
				}
				r, elapsed := rs[i], took[i]
				prob := r.expectProblem(t, 503, "")
				// A throttled write may also run out of its call's time
				// while the SDK backs off (then its outcome is unknown to
				// the store); a read's 503 never says outcome-unknown.
				unknown := strings.HasSuffix(prob.Type, "/outcome-unknown")
				if req.write && tc.unknown && !unknown || !req.write && unknown {
					t.Errorf("%s %s: problem type %q; outcome-unknown should be %v", req.method, req.path, prob.Type, req.write && tc.unknown)
				}
				if r.Header.Get("Retry-After") == "" {
					t.Errorf("%s %s: 503 without Retry-After", req.method, req.path)
				}
				if tc.delay > 0 && elapsed >= tc.delay {
					t.Errorf("%s %s took %v, as long as the fault's delay: the 2 s deadline did not hold", req.method, req.path, elapsed)
				}
			}
		})
	}
	var after Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &after)
	if after.LastName != nil || after.UpdateTime != p.UpdateTime {
		t.Errorf("a failed PATCH changed the profile: %+v", after)
	}
	if n := count(scanTable(t, a), func(it item) bool { return it.Type == "profile" }); n != 1 {
		t.Errorf("%d profiles in the table: a create that never reached DynamoDB landed", n)
	}
}

// outcomes sorts a burst's answers: what was acknowledged, refused with a
// plain 503 (it must not land), or answered outcome-unknown (it may).
type outcomes struct{ acked, refused, unknown map[string]bool }

func sortOutcomes(t *testing.T, rs []*response, name func(i int) string, okStatus int) outcomes {
	t.Helper()
	o := outcomes{map[string]bool{}, map[string]bool{}, map[string]bool{}}
	for i, r := range rs {
		switch r.Status {
		case okStatus:
			o.acked[name(i)] = true
		case 503:
			if strings.HasSuffix(r.expectProblem(t, 503, "").Type, "/outcome-unknown") {
				o.unknown[name(i)] = true
			} else {
				o.refused[name(i)] = true
			}
		default:
			t.Errorf("status %d: %s", r.Status, r.Body)
		}
	}
	return o
}

// check holds what is stored to the answers: every acknowledged write is
// stored, no refused one is, and nothing else is but the unknown ones.
func (o outcomes) check(t *testing.T, stored []string, what string) {
	t.Helper()
	have := map[string]bool{}
	for _, s := range stored {
		have[s] = true
		if !o.acked[s] && !o.unknown[s] {
			t.Errorf("%s %s is stored, but its write was refused (plain 503) or never made", what, s)
		}
	}
	for s := range o.acked {
		if !have[s] {
			t.Errorf("%s %s was acknowledged but is not stored", what, s)
		}
	}
}

func TestTableHoldsExactlyTheAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	all := outcomes{map[string]bool{}, map[string]bool{}, map[string]bool{}}
	for round, fault := range []testenv.Fault{testenv.Throttle, testenv.Reset, testenv.Internal} {
		proxy.Set(fault, 0.75, 0)
		rs := parallel(t, 16, func(i int) call {
			return a.req("POST", "/profiles", fmt.Sprintf(`{"firstName":"F","uuid":"w-%d-%d","contacts":[{"key":"phone","value":"+1555300%04d"}]}`, round, i, i))
		})
		o := sortOutcomes(t, rs, func(i int) string { return fmt.Sprintf("w-%d-%d", round, i) }, 201)
		for _, m := range []struct{ from, to map[string]bool }{{o.acked, all.acked}, {o.refused, all.refused}, {o.unknown, all.unknown}} {
			maps.Copy(m.to, m.from)
		}
	}
	proxy.Set(testenv.Pass, 0, 0)
	t.Logf("%d writes acknowledged, %d refused with 503, %d outcome-unknown", len(all.acked), len(all.refused), len(all.unknown))
	var uuids []string
	for _, it := range scanTable(t, a) {
		if it.Type == "profile" {
			var p Profile
			a.do("GET", "/profiles/"+it.ProfileID, nil).expect(t, 200, &p)
			uuids = append(uuids, apitest.StringOf(p.UUID))
			if len(p.Contacts) != 1 {
				t.Errorf("profile %s has %d contacts: a partial write", p.ProfileID, len(p.Contacts))
			}
		}
	}
	all.check(t, uuids, "profile")
}

// TestLateWritesLandAtMostOnce: each write transaction is held past its
// request's deadline and then reaches DynamoDB: the request answers
// outcome-unknown (it cannot learn the outcome in time), and its copies,
// which share a ClientRequestToken, take effect at most once: the PATCH
// moves the version by one, not by the number of copies.
func TestLateWritesLandAtMostOnce(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Kept","uuid":"kept"}`).expect(t, 201, &p)
	proxy.Set(testenv.Late, 1, 3*time.Second)
	for _, req := range []struct{ method, path, body string }{
		{"PATCH", "/profiles/" + p.ProfileID, `{"firstName":"Late"}`},
		{"POST", "/profiles", `{"firstName":"LateCreate"}`},
	} {
		prob := a.do(req.method, req.path, req.body).expectProblem(t, 503, "")
		if !strings.HasSuffix(prob.Type, "/outcome-unknown") {
			t.Errorf("%s %s held past its deadline: problem type %q, want …/outcome-unknown", req.method, req.path, prob.Type)
		}
	}
	late, done := proxy.LateWrites(60 * time.Second)
	proxy.Set(testenv.Pass, 0, 0)
	if !done {
		t.Fatalf("after 60 s the proxy still holds writes; forwarded so far: %+v", late)
	}
	if len(late) < 4 {
		t.Errorf("%d write transactions held, want each request's first call and at least one repeat", len(late))
	}
	var got Profile
	r := a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &got)
	if apitest.StringOf(got.FirstName) != "Late" || r.Header.Get("ETag") != `"2"` {
		t.Errorf("after the PATCH's copies landed: firstName %q, ETag %s; want Late, \"2\" (one effect)", apitest.StringOf(got.FirstName), r.Header.Get("ETag"))
	}
	var list []Profile
	a.do("GET", "/profiles?filter[firstName]=LateCreate", nil).expect(t, 200, &list)
	if len(list) != 1 {
		t.Errorf("%d profiles from the create's copies, want 1", len(list))
	}
}

// TestSlowDatabaseKeepsEveryAnswerTrue: DynamoDB applies every write at
// once, but holds a third of the answers past the calls' time and jitters
// the rest. Under a burst of creates and contact adds on one profile, what
// is stored is exactly what was acknowledged, give or take the writes
// answered outcome-unknown; no plain 503 landed.
func TestSlowDatabaseKeepsEveryAnswerTrue(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Hot"}`).expect(t, 201, &p)
	proxy.Set(testenv.SlowDB, 0.3, 2500*time.Millisecond)
	const n = 12
	rs := parallel(t, 2*n, func(i int) call {
		if i < n {
			return a.req("POST", "/profiles", fmt.Sprintf(`{"firstName":"S","uuid":"slow-%d"}`, i))
		}
		return a.req("POST", "/profiles/"+p.ProfileID+"/contacts", fmt.Sprintf(`{"key":"phone","value":"+1555400%04d"}`, i))
	})
	proxy.Set(testenv.Pass, 0, 0)
	creates := sortOutcomes(t, rs[:n], func(i int) string { return fmt.Sprintf("slow-%d", i) }, 201)
	adds := sortOutcomes(t, rs[n:], func(i int) string { return fmt.Sprintf("+1555400%04d", i+n) }, 201)
	t.Logf("creates: %d acknowledged, %d refused, %d unknown; contact adds: %d, %d, %d",
		len(creates.acked), len(creates.refused), len(creates.unknown), len(adds.acked), len(adds.refused), len(adds.unknown))
	var uuids []string
	for _, it := range scanTable(t, a) {
		if it.Type == "profile" && it.ProfileID != p.ProfileID {
			var q Profile
			a.do("GET", "/profiles/"+it.ProfileID, nil).expect(t, 200, &q)
			uuids = append(uuids, apitest.StringOf(q.UUID))
		}
	}
	creates.check(t, uuids, "profile")
	var hot Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &hot)
	var phones []string
	for _, c := range hot.Contacts {
		phones = append(phones, c.Value)
	}
	adds.check(t, phones, "contact")
	items := scanTable(t, a)
	if n := count(items, func(it item) bool { return it.Type == "contact" && it.ProfileID == p.ProfileID }); n != len(hot.Contacts) {
		t.Errorf("%d contact items, %d contacts embedded in the profile: a partial write", n, len(hot.Contacts))
	}
}
