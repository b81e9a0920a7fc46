package integration

import (
	"fmt"
	"testing"
	"time"

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
	cfg.Endpoint, cfg.RequestTimeout = proxy.URL, 2*time.Second
	s := testenv.NewStackWith(t, cfg)
	return &api{t: t, stack: s, token: testenv.Token(t, "admin", "profiles:read", "profiles:write")}, proxy
}

func TestFailingDatabaseGives503InTime(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Before"}`).expect(t, 201, &p)
	for _, tc := range []struct {
		name  string
		fault testenv.Fault
		delay time.Duration
	}{
		{"throttling", testenv.Throttle, 0},
		{"DynamoDB 500", testenv.Internal, 0},
		{"connection reset", testenv.Reset, 0},
		// Far slower than the 2 s deadline, so a deadline that does not hold
		// shows as an answer after 20 s, well above the 10 s allowed below
		// (the 2 s deadline, then at most 1 s to settle a write, and room for
		// a loaded machine).
		{"slower than the deadline", testenv.Slow, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy.Set(tc.fault, 1, tc.delay)
			defer proxy.Set(testenv.Pass, 0, 0)
			for _, req := range []struct{ method, path, body string }{
				{"POST", "/profiles", `{"firstName":"During"}`},
				{"GET", "/profiles/" + p.ProfileID, ""},
				{"PATCH", "/profiles/" + p.ProfileID, `{"lastName":"During"}`},
				{"GET", "/profiles?sort_by=name", ""},
			} {
				start := time.Now()
				var body any
				if req.body != "" {
					body = req.body
				}
				r := a.as(t, a.token).do(req.method, req.path, body)
				elapsed := time.Since(start)
				r.expectProblem(t, 503, "")
				if r.Header.Get("Retry-After") == "" {
					t.Errorf("%s %s: 503 without Retry-After", req.method, req.path)
				}
				if elapsed > 10*time.Second {
					t.Errorf("%s %s took %v: the 2 s deadline did not hold", req.method, req.path, elapsed)
				}
			}
		})
	}
	var after Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &after)
	if after.LastName != nil || after.UpdateTime != p.UpdateTime {
		t.Errorf("a failed PATCH changed the profile: %+v", after)
	}
}

func TestTableHoldsExactlyTheAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	acked := map[string]bool{}
	failed := 0
	for round, fault := range []testenv.Fault{testenv.Throttle, testenv.Reset, testenv.Internal} {
		proxy.Set(fault, 0.75, 0)
		rs := parallel(t, 12, func(i int) call {
			return a.req("POST", "/profiles", fmt.Sprintf(`{"firstName":"F","uuid":"w-%d-%d","contacts":[{"key":"phone","value":"+1555300%04d"}]}`, round, i, i))
		})
		for i, r := range rs {
			switch r.Status {
			case 201:
				acked[fmt.Sprintf("w-%d-%d", round, i)] = true
			case 503:
				failed++
				r.expectProblem(t, 503, "")
			default:
				t.Errorf("status %d: %s", r.Status, r.Body)
			}
		}
	}
	proxy.Set(testenv.Pass, 0, 0)
	t.Logf("%d writes acknowledged, %d refused with 503", len(acked), failed)
	if len(acked) == 0 {
		t.Fatal("no write got through: the faults were not intermittent")
	}
	if failed == 0 {
		t.Fatal("no write was refused: the fault path never ran")
	}
	var uuids []string
	for _, it := range scanTable(t, a) {
		if it.Type == "profile" {
			var p Profile
			a.do("GET", "/profiles/"+it.ProfileID, nil).expect(t, 200, &p)
			uuids = append(uuids, str(p.UUID))
			if len(p.Contacts) != 1 {
				t.Errorf("profile %s has %d contacts: a partial write", p.ProfileID, len(p.Contacts))
			}
		}
	}
	if len(uuids) != len(acked) {
		t.Errorf("the table holds %d profiles, %d were acknowledged", len(uuids), len(acked))
	}
	for _, u := range uuids {
		if !acked[u] {
			t.Errorf("profile %s is in the table but its write was refused", u)
		}
	}
}

// TestWriteAppliedAfterItsDeadlineIsFenced: a write transaction that
// reaches DynamoDB only after the request gave up (503) must not land
// later: the store fences the profile item before answering.
func TestWriteAppliedAfterItsDeadlineIsFenced(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Kept","uuid":"kept"}`).expect(t, 201, &p)
	proxy.Set(testenv.Late, 1, 3*time.Second)
	a.do("PATCH", "/profiles/"+p.ProfileID, `{"firstName":"Late"}`).expectProblem(t, 503, "")
	a.do("POST", "/profiles", `{"firstName":"LateCreate","uuid":"late-create"}`).expectProblem(t, 503, "")
	a.do("DELETE", "/profiles/"+p.ProfileID, nil).expectProblem(t, 503, "")
	proxy.Set(testenv.Pass, 0, 0)
	// Each request's transaction was held past its deadline and reaches
	// DynamoDB now: each must be refused there, on its condition.
	late, done := proxy.LateWrites(60 * time.Second)
	if !done {
		t.Fatalf("after 60 s the proxy still holds writes; forwarded so far: %+v", late)
	}
	if len(late) != 3 {
		t.Errorf("%d write transactions held and forwarded late, want 3 (the PATCH, the POST, the DELETE): %+v", len(late), late)
	}
	for i, lw := range late {
		if !lw.Refused() {
			t.Errorf("late write %d was not refused on its condition: status %d, %s, error %v", i, lw.Status, lw.Body, lw.Err)
		}
	}
	var got Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &got)
	if str(got.FirstName) != "Kept" {
		t.Errorf("a write answered 503 landed later: %+v", got)
	}
	var list []Profile
	a.do("GET", "/profiles?filter[uuid]=late-create", nil).expect(t, 200, &list)
	if len(list) != 0 {
		t.Errorf("a create answered 503 landed later: %+v", list)
	}
	for _, it := range scanTable(t, a) {
		if it.PK == "UUID#late-create" {
			t.Errorf("the fenced create left its uuid marker")
		}
	}
}
