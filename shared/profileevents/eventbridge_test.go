package profileevents

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/profiles-service/profiles/local/aws/eventbus"
	"github.com/profiles-service/profiles/local/eventschema"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// newSink is the EventBridge sink on the SDK's own client, sending to a
// local bus that speaks PutEvents.
func newSink(t *testing.T) (*EventBridge, *eventbus.Bus) {
	t.Helper()
	bus := eventbus.Start(t)
	client := eventbridge.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(bus.URL) })
	sink := NewEventBridge(client, "profile-events")
	sink.backoff = time.Millisecond
	return sink, bus
}

// updatedEvent is the event of a profile's version; a large one has the
// most and the longest contacts, tags and names a profile may have.
func updatedEvent(profileN, version int, large bool) Event {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	p := &profile.Profile{ID: fmt.Sprintf("%024x", profileN), FirstName: "Mary", Tags: []string{}, CreateTime: t0, UpdateTime: t0, Version: int64(version)}
	if large {
		long := strings.Repeat("n", profile.MaxNameLen)
		p.FirstName, p.MiddleName, p.LastName = long, long, long
		for i := range profile.MaxTags {
			p.Tags = append(p.Tags, fmt.Sprintf("%02d", i)+strings.Repeat("t", profile.MaxTagLen-2))
		}
		for i := range profile.MaxContacts {
			// 254 characters, the longest address the service takes.
			value := fmt.Sprintf("%02d%s@%s.%s.%s.com", i, strings.Repeat("m", 62), strings.Repeat("d", 63), strings.Repeat("e", 63), strings.Repeat("f", 57))
			p.Contacts = append(p.Contacts, profile.Contact{ID: fmt.Sprintf("%024x", 1000+i), Key: "email", Value: value, CreateTime: t0, UpdateTime: t0, Version: 1})
		}
	}
	raw, _ := json.Marshal(views.ProfileOf(p))
	id := eventID(fmt.Sprintf("record-%d-%d", profileN, version))
	return Event{ID: id, Source: "profiles", DetailType: updated, Time: t0.Add(time.Duration(version) * time.Second),
		Detail: Detail{EventID: id, ProfileID: p.ID, Version: p.Version, ChangedFields: []string{"firstName", "name"},
			Profile: raw, OccurredAt: profile.FormatTime(t0)}}
}

// interleaved is versions 1..n of each of profiles, one version of each at a time.
func interleaved(profiles, versions int, large bool) []Event {
	var evs []Event
	for v := 1; v <= versions; v++ {
		for p := range profiles {
			evs = append(evs, updatedEvent(p, v, large))
		}
	}
	return evs
}

// checkBus holds what the bus got to what the sink must do: calls of at
// most 10 entries and 256 KB, one event of a profile per call, every
// entry on the bus, valid against the published schema, and each profile's
// events accepted in version order.
func checkBus(t *testing.T, bus *eventbus.Bus, sent []Event) {
	t.Helper()
	for i, call := range bus.Calls() {
		seen := map[string]bool{}
		size := 0
		for _, e := range call {
			var d Detail
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				t.Fatal(err)
			}
			if seen[d.ProfileID] {
				t.Errorf("call %d holds two events of profile %s", i, d.ProfileID)
			}
			seen[d.ProfileID] = true
			size += 14 + len(e.Source) + len(e.DetailType) + len(e.Detail)
			if e.Bus != "profile-events" || e.Source != "profiles" {
				t.Errorf("call %d: an entry for bus %q, source %q", i, e.Bus, e.Source)
			}
		}
		if len(call) > maxEntries || size > maxCallBytes {
			t.Errorf("call %d: %d entries, %d bytes", i, len(call), size)
		}
	}
	last := map[string]int64{}
	byID := map[string]Event{}
	for _, ev := range sent {
		byID[ev.ID] = ev
	}
	for _, e := range bus.Accepted() {
		eventschema.Check(t, e.Delivered())
		var d Detail
		_ = json.Unmarshal([]byte(e.Detail), &d)
		if d.Version < last[d.ProfileID] {
			t.Errorf("profile %s: version %d accepted after %d", d.ProfileID, d.Version, last[d.ProfileID])
		}
		last[d.ProfileID] = d.Version
		if ev, ok := byID[d.EventID]; !ok || !e.Time.Equal(ev.Time) || e.DetailType != ev.DetailType {
			t.Errorf("accepted %s at %v, which was not sent so", d.EventID, e.Time)
		}
	}
}

// TestEventBridgePublishesInCalls: every event, in calls of at most 10
// entries and one event per profile.
func TestEventBridgePublishesInCalls(t *testing.T) {
	t.Parallel()
	for name, evs := range map[string][]Event{
		"25 profiles":             interleaved(25, 1, false),
		"3 profiles, 8 versions":  interleaved(3, 8, false),
		"12 large profiles":       interleaved(12, 1, true),
		"one profile, 5 versions": interleaved(1, 5, false),
	} {
		t.Run(name, func(t *testing.T) {
			sink, bus := newSink(t)
			n, err := sink.Publish(context.Background(), evs)
			if n != len(evs) || err != nil {
				t.Fatalf("published %d of %d: %v", n, len(evs), err)
			}
			checkBus(t, bus, evs)
			if got := len(bus.Accepted()); got != len(evs) {
				t.Errorf("the bus accepted %d of %d", got, len(evs))
			}
			if calls := bus.Calls(); name == "12 large profiles" && len(calls[0]) == maxEntries {
				t.Errorf("the first call of large events holds %d entries: the size limit never bound", len(calls[0]))
			}
		})
	}
}

// TestEventBridgeRetriesFailedEntries: entries a call failed (a partial
// failure, FailedEntryCount) are sent again until accepted, before any
// later event.
func TestEventBridgeRetriesFailedEntries(t *testing.T) {
	t.Parallel()
	sink, bus := newSink(t)
	evs := interleaved(3, 4, false)
	failures := map[string]int{}
	bus.FailWhen(func(e eventbus.Entry) bool {
		var d Detail
		_ = json.Unmarshal([]byte(e.Detail), &d)
		if d.Version == 2 && failures[d.EventID] < 2 { // every profile's version 2, twice
			failures[d.EventID]++
			return true
		}
		return false
	})
	n, err := sink.Publish(context.Background(), evs)
	if n != len(evs) || err != nil {
		t.Fatalf("published %d of %d: %v", n, len(evs), err)
	}
	checkBus(t, bus, evs)
	if got := len(bus.Accepted()); got != len(evs) {
		t.Errorf("the bus accepted %d of %d", got, len(evs))
	}
}

// TestEventBridgeStopsAtAnEntryThatKeepsFailing: after its retries, Publish
// returns the index of the first event not accepted, and sends no later
// call; nothing of that profile after it is on the bus.
func TestEventBridgeStopsAtAnEntryThatKeepsFailing(t *testing.T) {
	t.Parallel()
	sink, bus := newSink(t)
	evs := interleaved(3, 4, false)
	stuck := evs[7] // profile 1, version 3
	bus.FailWhen(func(e eventbus.Entry) bool { return strings.Contains(e.Detail, stuck.ID) })
	n, err := sink.Publish(context.Background(), evs)
	if n != 7 || err == nil || !strings.Contains(err.Error(), "InternalFailure") {
		t.Fatalf("Publish = %d, %v; want 7 and the entry's error", n, err)
	}
	checkBus(t, bus, evs)
	calls := bus.Calls()
	tries := 0
	for _, call := range calls {
		for _, e := range call {
			if strings.Contains(e.Detail, stuck.ID) {
				tries++
			}
		}
	}
	if tries != 1+sink.retries {
		t.Errorf("the failing entry was sent %d times, want %d", tries, 1+sink.retries)
	}
	// The calls: the first three hold one version of each of the three
	// profiles, evs[0:3], evs[3:6] and evs[6:9] (the third has stuck in
	// it); then each retry holds stuck alone (the other two of its call went
	// through); then none: nothing of evs[9:] is ever sent.
	var want [][]string
	for start := 0; start < 9; start += 3 {
		want = append(want, eventIDs(evs[start:start+3]))
	}
	for range sink.retries {
		want = append(want, []string{stuck.ID})
	}
	var got [][]string
	for _, call := range calls {
		var ids []string
		for _, e := range call {
			var d Detail
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.EventID)
		}
		got = append(got, ids)
	}
	if len(calls) != 3+sink.retries {
		t.Errorf("%d PutEvents calls, want %d: 3, then %d retries of the failing entry, then none", len(calls), 3+sink.retries, sink.retries)
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("the PutEvents calls held the events\n%v\nwant\n%v", got, want)
	}
	for _, e := range bus.Accepted() {
		var d Detail
		_ = json.Unmarshal([]byte(e.Detail), &d)
		if d.ProfileID == stuck.Detail.ProfileID && d.Version >= stuck.Detail.Version {
			t.Errorf("version %d of the stuck profile is on the bus", d.Version)
		}
	}
}

// TestEventBridgeCallFails: a call that fails as a whole (after the SDK's
// own retries) publishes nothing of it.
func TestEventBridgeCallFails(t *testing.T) {
	t.Parallel()
	sink, _ := newSink(t)
	client := eventbridge.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		func(o *eventbridge.Options) { o.BaseEndpoint = aws.String("http://127.0.0.1:1") })
	sink.client = client
	if n, err := sink.Publish(context.Background(), interleaved(2, 1, false)); n != 0 || err == nil {
		t.Errorf("Publish to nowhere = %d, %v", n, err)
	}
}

// eventIDs are the events' ids, in order.
func eventIDs(evs []Event) []string {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}
