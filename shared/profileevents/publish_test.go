package profileevents_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/local/eventschema"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profileevents"
)

// stoppingSink publishes until its stop-th event, which fails.
type stoppingSink struct {
	stop      int // -1: never
	published []profileevents.Event
	deadline  time.Time
}

func (s *stoppingSink) Publish(ctx context.Context, evs []profileevents.Event) (int, error) {
	s.deadline, _ = ctx.Deadline()
	for i, ev := range evs {
		if len(s.published) == s.stop {
			return i, errors.New("the bus is down")
		}
		s.published = append(s.published, ev)
	}
	return len(evs), nil
}

// eventRecords are the indexes of the records that make an event.
func eventRecords(t *testing.T, records []events.DynamoDBEventRecord) []int {
	t.Helper()
	var idx []int
	for i := range records {
		evs, failed := publish(t, records[i:i+1])
		if len(failed) != 0 {
			t.Fatalf("record %d: reported %v", i, failed)
		}
		if len(evs) == 1 {
			idx = append(idx, i)
		}
	}
	return idx
}

// publish handles the records with a sink that keeps the events; it
// returns them and the records reported.
func publish(t *testing.T, records []events.DynamoDBEventRecord) ([]profileevents.Event, []string) {
	t.Helper()
	sink := &stoppingSink{stop: -1}
	failed := handle(t, profileevents.Publisher{Sink: sink, Source: "profiles", ProfileOf: dynamo.ProfileFromStreamImage}, records)
	return sink.published, failed
}

func handle(t *testing.T, p profileevents.Publisher, records []events.DynamoDBEventRecord) []string {
	t.Helper()
	resp, err := p.Handle(context.Background(), events.DynamoDBEvent{Records: records})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

// TestPublisherReportsTheFirstEventNotPublished: when the sink stops at an
// event, the batch's failure is that event's record, and no later event
// was given to the sink: Lambda retries from that record on, in order.
func TestPublisherReportsTheFirstEventNotPublished(t *testing.T) {
	t.Parallel()
	records, _ := lifeOfAProfile(t)
	withEvents := eventRecords(t, records)
	for stop := -1; stop < len(withEvents); stop++ {
		sink := &stoppingSink{stop: stop}
		failed := handle(t, profileevents.Publisher{Sink: sink, Source: "profiles", ProfileOf: dynamo.ProfileFromStreamImage}, records)
		switch {
		case stop < 0 && (len(failed) != 0 || len(sink.published) != len(withEvents)):
			t.Errorf("no failure: reported %v, published %d of %d events", failed, len(sink.published), len(withEvents))
		case stop >= 0 && !slices.Equal(failed, []string{records[withEvents[stop]].Change.SequenceNumber}):
			t.Errorf("stop at event %d: reported %v, want the sequence number of record %d", stop, failed, withEvents[stop])
		case stop >= 0 && len(sink.published) != stop:
			t.Errorf("stop at event %d: %d published", stop, len(sink.published))
		}
	}
}

// TestPublisherStopsAtARecordItCannotRead: a record that makes no valid
// event is the batch's failure; the events before it are published, none
// after it.
func TestPublisherStopsAtARecordItCannotRead(t *testing.T) {
	t.Parallel()
	records, _ := lifeOfAProfile(t)
	withEvents := eventRecords(t, records)
	bad := withEvents[2]
	records[bad].Change.NewImage = cloneImage(records[bad].Change.NewImage)
	records[bad].Change.NewImage["version"] = events.NewStringAttribute("three")
	sink := &stoppingSink{stop: -1}
	failed := handle(t, profileevents.Publisher{Sink: sink, Source: "profiles", ProfileOf: dynamo.ProfileFromStreamImage}, records)
	if !slices.Equal(failed, []string{records[bad].Change.SequenceNumber}) || len(sink.published) != 2 {
		t.Errorf("reported %v and published %d events, want record %d reported after 2 events", failed, len(sink.published), bad)
	}
}

// TestPublisherKeepsAMarginBeforeTheDeadline: publishing must end Margin
// before the invocation's deadline, so the handler can still answer.
func TestPublisherKeepsAMarginBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	sink := &stoppingSink{stop: -1}
	p := profileevents.Publisher{Sink: sink, Source: "profiles", ProfileOf: dynamo.ProfileFromStreamImage, Margin: 2 * time.Second}
	if _, err := p.Handle(ctx, events.DynamoDBEvent{}); err != nil {
		t.Fatal(err)
	}
	if !sink.deadline.Equal(deadline.Add(-2 * time.Second)) {
		t.Errorf("the sink's deadline is %v, want %v", sink.deadline, deadline.Add(-2*time.Second))
	}
}

// TestFileSinkAndReplay: the file sink appends one JSON line per event,
// each valid against the published schema; a batch handled again appends
// the same events with the same ids.
func TestFileSinkAndReplay(t *testing.T) {
	t.Parallel()
	records, _ := lifeOfAProfile(t)
	path := filepath.Join(t.TempDir(), "sub", "events.jsonl")
	p := profileevents.Publisher{Sink: profileevents.NewFile(path), Source: "profiles", ProfileOf: dynamo.ProfileFromStreamImage}
	for range 2 {
		if failed := handle(t, p, records); len(failed) != 0 {
			t.Fatalf("reported %v", failed)
		}
	}
	lines := eventschema.ReadFile[profileevents.Event](t, path)
	n := len(eventRecords(t, records))
	if len(lines) != 2*n {
		t.Fatalf("%d lines, want %d", len(lines), 2*n)
	}
	for i := range n {
		first, again := lines[i], lines[n+i]
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Errorf("the replayed event differs:\n%s\n%s", a, b)
		}
	}
}
