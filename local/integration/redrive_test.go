package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/profiles-service/profiles/local/aws/eventbus"
	"github.com/profiles-service/profiles/local/aws/streams"
	"github.com/profiles-service/profiles/local/eventschema"
	"github.com/profiles-service/profiles/local/wait"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profileevents"
)

// TestRedrivePublishesWhatTheEventSourceGaveUp: the bus fails every entry
// for longer than the event source mapping retries, so the mapping gives
// the batch up and records its position in the failures file; the bus
// recovers; the redrive reads the batch's records from the stream and
// publishes them: every change's event is on the bus, with the id it had
// when it failed, and the position is gone from the file.
func TestRedrivePublishesWhatTheEventSourceGaveUp(t *testing.T) {
	t.Parallel()
	a, bus := newBusAPI(t)
	var failing atomic.Bool
	failing.Store(true)
	bus.FailWhen(func(eventbus.Entry) bool { return failing.Load() })

	var pa, pb Profile
	a.do("POST", "/profiles", `{"firstName": "A"}`).expect(t, 201, &pa)
	a.do("POST", "/profiles", `{"firstName": "B"}`).expect(t, 201, &pb)
	for i := range 2 {
		a.do("PATCH", "/profiles/"+pa.ProfileID, fmt.Sprintf(`{"tags": ["a%d"]}`, i)).expect(t, 200, nil)
		a.do("PATCH", "/profiles/"+pb.ProfileID, fmt.Sprintf(`{"tags": ["b%d"]}`, i)).expect(t, 200, nil)
	}

	// The template's mapping, but one retry: the give-up comes in seconds.
	cfg := a.stack.Config
	ctx, cancel := context.WithCancel(context.Background())
	arn, err := streams.StreamARN(ctx, a.stack.DB, cfg.TableName)
	if err != nil {
		t.Fatal(err)
	}
	client := streams.NewClient(a.stack.AWS, cfg.Endpoint)
	publisher := a.stack.Handlers["PublishProfileEvents"]
	var givenUp atomic.Pointer[[]byte] // the batch the mapping gave up
	recording := invokeFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		givenUp.CompareAndSwap(nil, &payload)
		return publisher.Invoke(ctx, payload)
	})
	p := streams.New(client, arn, recording, streams.Mapping{BatchSize: 100, ReportBatchItemFailures: true, Bisect: true,
		MaxRetries: 1, StartingPosition: types.ShardIteratorTypeTrimHorizon, Timeout: 30 * time.Second})
	failures := streams.NewFailureFile(filepath.Join(t.TempDir(), "stream-failures.jsonl"))
	p.OnFailure = failures.Append
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); p.Wait() })

	var waiting []streams.Failure
	wait.For(t, "the given-up batch in the failures file", func() (bool, string) {
		if waiting, err = failures.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		return len(waiting) > 0, "no record in " + failures.String()
	})
	d := waiting[0].Record.DDBStreamBatchInfo
	if len(waiting) != 1 || d.BatchSize != 6 || d.StreamARN != arn || waiting[0].Record.RequestContext.Condition != "RetryAttemptsExhausted" {
		t.Fatalf("the failures file holds %+v, want one batch of the 6 changes of %s", waiting, arn)
	}
	// The events of the given-up batch as the publisher makes them, ids
	// included (a file for a bus); the bus failed the first of them.
	var batch events.DynamoDBEvent
	if err := json.Unmarshal(*givenUp.Load(), &batch); err != nil {
		t.Fatal(err)
	}
	eventsFile := filepath.Join(t.TempDir(), "events.jsonl")
	if _, err := (profileevents.Publisher{Sink: profileevents.NewFile(eventsFile), Source: cfg.EventSource, ProfileOf: dynamo.ProfileFromStreamImage}).Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	wouldHave := map[string]profileevents.Detail{}
	for _, ev := range readEvents(t, eventsFile) {
		wouldHave[ev.ID] = ev.Detail
	}
	for _, call := range bus.Calls() {
		for _, e := range call {
			if d := detailOf(t, e); wouldHave[d.EventID].EventID != d.EventID {
				t.Errorf("the bus failed the event %s, which is none of the batch's: %v", d.EventID, slices.Collect(maps.Keys(wouldHave)))
			}
		}
	}
	if len(wouldHave) != 6 || len(bus.Accepted()) != 0 {
		t.Fatalf("the given-up batch makes %d events, and the bus accepted %d; want 6 and none", len(wouldHave), len(bus.Accepted()))
	}

	failing.Store(false)
	// The mapping went on with the shard: a later change is published.
	a.do("PATCH", "/profiles/"+pa.ProfileID, `{"tags": ["after"]}`).expect(t, 200, nil)
	wait.For(t, "the change after the give-up on the bus", func() (bool, string) {
		return len(bus.Accepted()) == 1, fmt.Sprintf("%d events accepted", len(bus.Accepted()))
	})

	var out strings.Builder
	r := streams.Redrive{Client: client, Handler: publisher, BatchSize: 100, Timeout: 30 * time.Second}
	res, err := r.All(ctx, failures, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("redrive:\n%s", out.String())
	if len(res.Redriven) != 1 || len(res.Left) != 0 || !strings.Contains(out.String(), "1 batches redriven, 0 left") {
		t.Errorf("redrive: %d redriven, %d left (%v); want 1 and 0", len(res.Redriven), len(res.Left), res.Left)
	}
	if left, err := failures.Receive(ctx); err != nil || len(left) != 0 {
		t.Errorf("the failures file holds %d records after the redrive (%v), want none", len(left), err)
	}

	published := map[string]profileevents.Detail{}
	versions := map[string][]int64{}
	for _, e := range bus.Accepted() {
		eventschema.Check(t, e.Delivered())
		d := detailOf(t, e)
		published[d.EventID] = d
		versions[d.ProfileID] = append(versions[d.ProfileID], d.Version)
	}
	for id, want := range wouldHave {
		if got, ok := published[id]; !ok {
			t.Errorf("the event %s (profile %s version %d) was never published", id, want.ProfileID, want.Version)
		} else if got.ProfileID != want.ProfileID || got.Version != want.Version {
			t.Errorf("the event %s is profile %s version %d, and was %s version %d", id, got.ProfileID, got.Version, want.ProfileID, want.Version)
		}
	}
	// Each change once: the redrive comes after the later change, so a
	// profile's versions are whole, not in order across the redrive.
	for id, want := range map[string][]int64{pa.ProfileID: {1, 2, 3, 4}, pb.ProfileID: {1, 2, 3}} {
		if got := slices.Sorted(slices.Values(versions[id])); !slices.Equal(got, want) {
			t.Errorf("profile %s: versions %v on the bus, want %v", id, versions[id], want)
		}
	}
	if len(published) != 7 {
		t.Errorf("%d distinct events on the bus, want 7: %v", len(published), slices.Collect(maps.Keys(published)))
	}
}

// detailOf is the detail of an entry the bus got.
func detailOf(t *testing.T, e eventbus.Entry) profileevents.Detail {
	t.Helper()
	var d profileevents.Detail
	if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
		t.Fatal(err)
	}
	return d
}
