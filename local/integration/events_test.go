package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/local/aws/eventbus"
	"github.com/profiles-service/profiles/local/eventschema"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/local/wait"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/profileevents"
)

// publishedEvent is what a test expects of an event.
type publishedEvent struct {
	detailType string
	changed    []string
}

// readEvents reads the events file (none when it does not exist yet),
// holding each line to the published schema.
func readEvents(t *testing.T, path string) []profileevents.Event {
	return eventschema.ReadFile[profileevents.Event](t, path)
}

// checkEvents holds the events to what is wanted, in order.
func checkEvents(t *testing.T, got []profileevents.Event, want []publishedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d events, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].DetailType != want[i].detailType || !slices.Equal(got[i].Detail.ChangedFields, want[i].changed) {
			t.Errorf("event %d: %s %v, want %s %v", i, got[i].DetailType, got[i].Detail.ChangedFields, want[i].detailType, want[i].changed)
		}
	}
}

// startEvents runs the stack's event source mapping, from the template,
// until the test ends: its table's stream fed to PublishProfileEvents.
func startEvents(t *testing.T, stack *testenv.Stack) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := stack.EventSource(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); p.Wait() })
}

// waitForEvents reads the events file until it holds n events.
func waitForEvents(t *testing.T, path string, n int) []profileevents.Event {
	t.Helper()
	var evs []profileevents.Event
	wait.For(t, fmt.Sprintf("%d events in %s", n, path), func() (bool, string) {
		evs = readEvents(t, path)
		return len(evs) >= n, fmt.Sprintf("%d events", len(evs))
	})
	return evs
}

// TestEventsOfAPIChanges: a create, a PATCH, a contact added, a user's
// update and a delete through the API are exactly five events, in order,
// within seconds; each carries the profile exactly as GET returns it then.
func TestEventsOfAPIChanges(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	startEvents(t, a.stack)
	get := func(id string) []byte { return a.do("GET", "/profiles/"+id, nil).expect(t, 200, nil).Body }

	user := a.as(t, testenv.UserToken(t, "events-user"))
	user.do("POST", "/api/me/profile/update", `{"givenName": "Mary", "email": "mary@example.com"}`).expect(t, 200, nil)
	id := profile.UserProfileID("events-user") // a user's first update creates the profile of this id
	var profiles [][]byte
	profiles = append(profiles, get(id))
	a.do("PATCH", "/profiles/"+id, `{"lastName": "Smith", "tags": ["vip"]}`).expect(t, 200, nil)
	profiles = append(profiles, get(id))
	a.do("POST", "/profiles/"+id+"/contacts", `{"key": "phone", "value": "+64271112222"}`).expect(t, 201, nil)
	profiles = append(profiles, get(id))
	user.do("POST", "/api/me/profile/update", `{"marketingUpdates": true}`).expect(t, 200, nil)
	profiles = append(profiles, get(id))
	userView := user.do("GET", "/api/me/profile", nil).expect(t, 200, nil).Body
	a.do("DELETE", "/profiles/"+id, nil).expect(t, 204, nil)

	evs := waitForEvents(t, a.stack.Config.EventsFile, 5) // within its deadline
	everything := []string{"profileId", "contacts", "countryNumericCode", "country", "enabled", "firstName", "middleName",
		"lastName", "name", "tags", "createTime", "updateTime", "uuid", "featureUpdates", "marketingUpdates"}
	// The user's update and the PATCH may fall in one second: updateTime
	// moves only when the second does. Whether it moved is read from the
	// profile as GET returned it before and after each change.
	updateTime := func(raw []byte) string {
		var p Profile
		if err := json.Unmarshal(raw, &p); err != nil || p.UpdateTime == "" {
			t.Fatalf("GET body without updateTime (%v): %s", err, raw)
		}
		return p.UpdateTime
	}
	patched := []string{"lastName", "name", "tags"}
	if updateTime(profiles[1]) != updateTime(profiles[0]) {
		patched = []string{"lastName", "name", "tags", "updateTime"}
	}
	marketing := []string{"marketingUpdates"}
	if updateTime(profiles[3]) != updateTime(profiles[2]) {
		marketing = []string{"updateTime", "marketingUpdates"}
	}
	checkEvents(t, evs, []publishedEvent{
		{"Profile Created", everything},
		{"Profile Updated", patched},
		{"Profile Updated", []string{"contacts"}},
		{"Profile Updated", marketing},
		{"Profile Erased", nil},
	})
	if len(evs) >= 5 {
		// The erasure's event: the id, the user id and the reason, and no
		// other value of the profile.
		d := evs[4].Detail
		if d.ProfileID != id || d.UserID != "events-user" || d.Reason != "delete" || d.Profile != nil || d.UserProfile != nil {
			t.Errorf("Profile Erased: %+v", d)
		}
		line, _ := json.Marshal(evs[4])
		for _, v := range []string{"Mary", "mary@example.com", "Smith", "vip", "+64271112222"} {
			if strings.Contains(string(line), v) {
				t.Errorf("Profile Erased carries %q: %s", v, line)
			}
		}
	}
	for i, ev := range evs[:min(len(evs), len(profiles))] {
		if string(ev.Detail.Profile) != string(profiles[i]) {
			t.Errorf("event %d carries the profile\n%s\nGET returned\n%s", i, ev.Detail.Profile, profiles[i])
		}
		if ev.Detail.ProfileID != id || ev.Detail.Version != int64(i+1) || ev.Source != "profiles" {
			t.Errorf("event %d: profile %s version %d source %s", i, ev.Detail.ProfileID, ev.Detail.Version, ev.Source)
		}
	}
	if len(evs) == 5 && string(evs[3].Detail.UserProfile) != string(userView) {
		t.Errorf("the user's update carries the user view\n%s\nGET /api/me/profile returned\n%s", evs[3].Detail.UserProfile, userView)
	}
	// No more come: a later change's event (the table's stream has one
	// shard, published in order) comes after any late repeat of these.
	a.do("POST", "/profiles", `{"firstName": "Settle"}`).expect(t, 201, nil)
	after := waitForEvents(t, a.stack.Config.EventsFile, 6)
	if len(after) != 6 || after[5].Detail.ProfileID == id {
		t.Errorf("%d events in the end, want 5, one per change, and the settling create's", len(after))
	}
}

// TestEventsOfABurstComeInVersionOrder: concurrent PATCHes of one profile
// give one event each, in the order of their versions.
func TestEventsOfABurstComeInVersionOrder(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	startEvents(t, a.stack)
	var p Profile
	a.do("POST", "/profiles", `{"firstName": "Burst"}`).expect(t, 201, &p)
	const writes = 30
	rs := parallel(t, writes, func(i int) call {
		return a.req("PATCH", "/profiles/"+p.ProfileID, fmt.Sprintf(`{"tags": ["t%d"]}`, i))
	})
	// The writes that landed (200s, and any outcome-unknown 503 that did)
	// are what the version counts: one event each, after the create's.
	if got := statuses(rs); got[200]+got[503] != writes || got[200] == 0 {
		t.Fatalf("statuses %v, want 200s (and 503s at most)", got)
	}
	var version int
	etag := a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, nil).Header.Get("ETag")
	if _, err := fmt.Sscanf(etag, `"%d"`, &version); err != nil {
		t.Fatalf("ETag %q: %v", etag, err)
	}
	evs := waitForEvents(t, a.stack.Config.EventsFile, version)
	if len(evs) != version {
		t.Fatalf("%d events, want %d (the create and the %d writes that landed)", len(evs), version, version-1)
	}
	for i, ev := range evs {
		if ev.Detail.Version != int64(i+1) {
			t.Errorf("event %d has version %d, want %d: events out of version order", i, ev.Detail.Version, i+1)
		}
	}
}

// TestEventsSurviveAPublisherFailureMidBatch: with the events going to a
// bus (the SDK's EventBridge client, to a local PutEvents endpoint) that
// fails one entry for longer than the handler retries it, the handler
// reports that record and the event source mapping retries from it: in
// the end every event is on the bus, each profile's in version order.
func TestEventsSurviveAPublisherFailureMidBatch(t *testing.T) {
	t.Parallel()
	a, bus := newBusAPI(t)

	var mu sync.Mutex
	failures := 0
	bus.FailWhen(func(e eventbus.Entry) bool {
		// The third event of the first profile fails 7 times: more than
		// one invocation's tries.
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(e.Detail, `"version":3`) && strings.Contains(e.Detail, `"firstName":"A"`) && failures < 7 {
			failures++
			return true
		}
		return false
	})
	var pa, pb Profile
	a.do("POST", "/profiles", `{"firstName": "A"}`).expect(t, 201, &pa)
	a.do("POST", "/profiles", `{"firstName": "B"}`).expect(t, 201, &pb)
	for i := range 4 {
		a.do("PATCH", "/profiles/"+pa.ProfileID, fmt.Sprintf(`{"tags": ["a%d"]}`, i)).expect(t, 200, nil)
		a.do("PATCH", "/profiles/"+pb.ProfileID, fmt.Sprintf(`{"tags": ["b%d"]}`, i)).expect(t, 200, nil)
	}
	// Each invocation of the handler by the event source mapping: the
	// records of its batch and the records it reported failed.
	type invocation struct {
		records []events.DynamoDBEventRecord
		failed  []string
		err     error
	}
	var invocations []invocation
	publisher := a.stack.Handlers["PublishProfileEvents"]
	a.stack.Handlers["PublishProfileEvents"] = invokeFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		out, err := publisher.Invoke(ctx, payload)
		inv := invocation{err: err}
		var batch events.DynamoDBEvent
		if jerr := json.Unmarshal(payload, &batch); jerr != nil {
			inv.err = errors.Join(inv.err, jerr)
		}
		inv.records = batch.Records
		if err == nil {
			var resp events.DynamoDBEventResponse
			if jerr := json.Unmarshal(out, &resp); jerr != nil {
				inv.err = jerr
			}
			for _, f := range resp.BatchItemFailures {
				inv.failed = append(inv.failed, f.ItemIdentifier)
			}
		}
		mu.Lock()
		invocations = append(invocations, inv)
		mu.Unlock()
		return out, err
	})
	startEvents(t, a.stack) // after the writes: one batch holds them all

	versions := func() map[string][]int64 {
		got := map[string][]int64{}
		for _, e := range bus.Accepted() {
			eventschema.Check(t, e.Delivered())
			var d profileevents.Detail
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				t.Fatal(err)
			}
			got[d.ProfileID] = append(got[d.ProfileID], d.Version)
		}
		return got
	}
	// The bus takes the events during an invocation, which is recorded when
	// it returns: wait for the invocation that published the last ones too.
	wait.For(t, "5 versions of each profile on the bus, and the invocation that put them there", func() (bool, string) {
		v := versions()
		mu.Lock()
		defer mu.Unlock()
		lastDone := len(invocations) > 0 && len(invocations[len(invocations)-1].failed) == 0
		return len(v[pa.ProfileID]) >= 5 && len(v[pb.ProfileID]) >= 5 && lastDone,
			fmt.Sprintf("the bus holds %v; %d invocations recorded", v, len(invocations))
	})
	for id, vs := range versions() {
		// Records after the failed one were published again: a version may
		// come twice, never out of order, none missing.
		if !slices.IsSorted(vs) || !slices.Equal(slices.Compact(slices.Clone(vs)), []int64{1, 2, 3, 4, 5}) {
			t.Errorf("profile %s: versions %v on the bus, want 1 to 5 in order", id, vs)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if failures != 7 {
		t.Errorf("the entry failed %d times, want 7", failures)
	}
	// The handler reported the failed entry's record, and the event source
	// mapping invoked it again from that record: the retry is the mapping's.
	reported := 0
	for i, inv := range invocations {
		if inv.err != nil {
			t.Errorf("invocation %d: %v", i, inv.err)
			continue
		}
		if len(inv.failed) == 0 {
			continue
		}
		reported++
		if len(inv.failed) != 1 {
			t.Errorf("invocation %d reported %d records failed, want the one", i, len(inv.failed))
		}
		at := slices.IndexFunc(inv.records, func(r events.DynamoDBEventRecord) bool {
			return r.Change.SequenceNumber == inv.failed[0]
		})
		if at < 0 {
			t.Errorf("invocation %d reported %s failed, no record of its batch", i, inv.failed[0])
			continue
		}
		img := inv.records[at].Change.NewImage
		if img["firstName"].DataType() != events.DataTypeString || img["firstName"].String() != "A" ||
			img["version"].DataType() != events.DataTypeNumber || img["version"].Number() != "3" {
			t.Errorf("invocation %d reported a record that is not A's version 3: %v", i, img)
		}
		if i+1 == len(invocations) {
			t.Errorf("invocation %d reported a failure and the handler was not invoked again", i)
		} else if next := invocations[i+1].records; len(next) == 0 || next[0].Change.SequenceNumber != inv.failed[0] {
			t.Errorf("invocation %d reported %s failed; the next one starts elsewhere: %v", i, inv.failed[0], sequenceNumbers(next))
		}
	}
	if reported == 0 {
		t.Errorf("in %d invocations the handler never reported a failed record", len(invocations))
	}
}

func sequenceNumbers(records []events.DynamoDBEventRecord) []string {
	var out []string
	for _, r := range records {
		out = append(out, r.Change.SequenceNumber)
	}
	return out
}

// invokeFunc is a Lambda handler of a function of its context and payload.
type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f invokeFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// TestReplayedBatchYieldsTheSameIDs: a batch delivered again (Lambda's
// retries deliver at least once) publishes the same events, with the same
// ids, so consumers de-duplicate them.
func TestReplayedBatchYieldsTheSameIDs(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	publisher := a.stack.Handlers["PublishProfileEvents"]
	var mu sync.Mutex
	var batches [][]byte
	a.stack.Handlers["PublishProfileEvents"] = handlerFunc(func(payload []byte) ([]byte, error) {
		mu.Lock()
		batches = append(batches, payload)
		mu.Unlock()
		return publisher.Invoke(context.Background(), payload)
	})
	startEvents(t, a.stack)
	var p Profile
	a.do("POST", "/profiles", `{"firstName": "Replay"}`).expect(t, 201, &p)
	a.do("PATCH", "/profiles/"+p.ProfileID, `{"tags": ["again"]}`).expect(t, 200, nil)
	first := waitForEvents(t, a.stack.Config.EventsFile, 2)
	mu.Lock()
	replay := slices.Clone(batches)
	mu.Unlock()
	for _, b := range replay {
		if _, err := publisher.Invoke(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	all := readEvents(t, a.stack.Config.EventsFile)
	if len(first) != 2 || len(all) != 4 {
		t.Fatalf("%d events, then %d after the replay; want 2 and 4", len(first), len(all))
	}
	for i := range 2 {
		a, _ := json.Marshal(all[i])
		b, _ := json.Marshal(all[2+i])
		if string(a) != string(b) {
			t.Errorf("the replayed event differs:\n%s\n%s", a, b)
		}
	}
}

// newBusAPI is the local API whose change events go, through the SDK's
// EventBridge client, to a local PutEvents endpoint (bus) that fails
// entries on demand.
func newBusAPI(t *testing.T) (*api, *eventbus.Bus) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	bus := eventbus.Start(t)
	cfg := testenv.Config(t)
	cfg.EventsFile, cfg.EventBusName, cfg.EventBridgeEndpoint = "", "profile-events", bus.URL
	return &api{t: t, stack: testenv.NewStackWith(t, cfg), token: testenv.Token(t, "admin", "profiles:read", "profiles:write")}, bus
}
