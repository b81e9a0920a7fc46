package profileevents

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// Limits of one PutEvents call (PutEvents in the EventBridge API
// reference): at most 10 entries, and entries that total less than
// 256 KB, the limit before 2026 (it is 1 MB now; the smaller one holds
// everywhere).
const (
	maxEntries   = 10
	maxCallBytes = 256 * 1024
)

// EventBridge puts the events on an EventBridge bus.
type EventBridge struct {
	client *eventbridge.Client
	bus    string
	// retries is how many more times an entry PutEvents failed is sent
	// before Publish gives up; backoff is the first wait, doubled each time.
	// The SDK client itself retries a call that failed as a whole.
	retries int
	backoff time.Duration
}

// NewEventBridge is a sink putting events on the bus (a name or an ARN)
// with the client.
func NewEventBridge(client *eventbridge.Client, bus string) *EventBridge {
	return &EventBridge{client: client, bus: bus, retries: 4, backoff: 100 * time.Millisecond}
}

// Publish sends the events with PutEvents, a call at a time, in order. A
// call holds at most one event of a profile: EventBridge keeps no order
// among the entries of one call, and an entry that fails while a later one
// of the same profile goes through would reorder the two. The entries of a
// call that fail are sent again (EventBridge "continues processing the
// rest" and reports each failed entry, with FailedEntryCount), a few times
// with backoff, before Publish gives up at the first of them.
func (b *EventBridge) Publish(ctx context.Context, events []Event) (int, error) {
	for start := 0; start < len(events); {
		end, err := callEnd(events, start)
		if err != nil {
			return start, err
		}
		n, err := b.put(ctx, events[start:end])
		if err != nil {
			return start + n, err
		}
		start = end
	}
	return len(events), nil
}

// callEnd is where the call that starts at events[start] ends: after at
// most maxEntries events, maxCallBytes, and one event of each profile.
func callEnd(events []Event, start int) (int, error) {
	profiles := map[string]bool{}
	size := 0
	end := start
	for ; end < len(events) && end-start < maxEntries; end++ {
		ev := events[end]
		s, err := entrySize(ev)
		if err != nil {
			return start, err
		}
		if profiles[ev.Detail.ProfileID] || (end > start && size+s > maxCallBytes) {
			break
		}
		profiles[ev.Detail.ProfileID] = true
		size += s
	}
	return end, nil
}

// entrySize is an entry's size as EventBridge counts it ("Calculating
// PutEvents event entry size"): 14 bytes for the time, and the UTF-8 bytes
// of the source, detail type and detail.
func entrySize(ev Event) (int, error) {
	detail, err := json.Marshal(ev.Detail)
	return 14 + len(ev.Source) + len(ev.DetailType) + len(detail), err
}

// put sends one call's events until each is accepted, or the retries run
// out; it returns how many, from the first, are surely on the bus.
func (b *EventBridge) put(ctx context.Context, events []Event) (int, error) {
	entries := make([]types.PutEventsRequestEntry, len(events))
	for i, ev := range events {
		detail, err := json.Marshal(ev.Detail)
		if err != nil {
			return i, err
		}
		entries[i] = types.PutEventsRequestEntry{
			EventBusName: aws.String(b.bus), Source: aws.String(ev.Source), DetailType: aws.String(ev.DetailType),
			Detail: aws.String(string(detail)), Time: aws.Time(ev.Time),
		}
	}
	pending := make([]int, len(events)) // the indexes of the events not accepted yet
	for i := range pending {
		pending[i] = i
	}
	for attempt := 0; ; attempt++ {
		send := make([]types.PutEventsRequestEntry, len(pending))
		for i, p := range pending {
			send[i] = entries[p]
		}
		out, err := b.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: send})
		if err != nil {
			return pending[0], fmt.Errorf("PutEvents: %w", err)
		}
		if len(out.Entries) != len(send) {
			return pending[0], fmt.Errorf("PutEvents answered %d entries for %d", len(out.Entries), len(send))
		}
		var failed []int
		var reason error
		for i, r := range out.Entries {
			if r.ErrorCode != nil {
				failed = append(failed, pending[i])
				if reason == nil {
					reason = fmt.Errorf("PutEvents failed the entry of event %s: %s: %s",
						events[pending[i]].ID, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
				}
			}
		}
		if len(failed) == 0 {
			return len(events), nil
		}
		if attempt == b.retries {
			return failed[0], reason
		}
		select {
		case <-ctx.Done():
			return failed[0], fmt.Errorf("%w (no time left to retry: %w)", reason, ctx.Err())
		case <-time.After(b.backoff << attempt):
		}
		pending = failed
	}
}
