package profileevents

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/shared/metrics"
)

// Sink is where the events go: an EventBridge bus, or locally a file.
type Sink interface {
	// Publish puts the events on the bus in their order: no event goes
	// before an earlier event of the same profile. It returns how many
	// events, from the first, are surely on the bus; when that is not all
	// of them, the error says why the next one is not. Events after that
	// one may be on the bus too: they are published again on the retry
	// (delivery is at least once, and their ids say they are the same).
	Publish(ctx context.Context, evs []Event) (int, error)
}

// Publisher is the PublishProfileEvents handler: it turns a batch of
// DynamoDB stream records into profile change events and publishes them
// through its Sink.
type Publisher struct {
	Sink   Sink
	Source string // the events' source
	// ProfileOf reads the profiles of the records' item images.
	ProfileOf ImageDecoder
	// Margin is how long before the invocation's deadline publishing
	// stops, so the handler answers with the records it could not publish
	// rather than timing out, which would make Lambda retry the whole batch.
	Margin time.Duration
}

// Handle publishes the events of a batch of stream records in the records'
// order. When an event cannot be built or published, it reports that
// event's record as the batch's failure and publishes nothing after it:
// with ReportBatchItemFailures, Lambda checkpoints before the failed record
// with the lowest sequence number and retries every record from there
// ("Configuring partial batch response with DynamoDB and Lambda", Lambda
// developer guide). A shard's records come in commit order per item, so
// the profile's later events wait for the failed one and none is lost.
func (p Publisher) Handle(ctx context.Context, batch events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	if p.ProfileOf == nil {
		return events.DynamoDBEventResponse{}, errors.New("the Publisher has no ProfileOf to read the stream's item images")
	}
	if deadline, ok := ctx.Deadline(); ok && p.Margin > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-p.Margin))
		defer cancel()
	}
	records := batch.Records
	var evs []Event
	var recordOf []int // the index in records of each event's record
	failed := -1
	for i, r := range records {
		ev, ok, err := fromRecord(r, p.Source, p.ProfileOf)
		if err != nil {
			// Retrying will not mend the record: after the retries Lambda
			// sends the batch's position to the on-failure destination.
			slog.ErrorContext(ctx, "stream record is no valid profile change", "eventID", r.EventID,
				"sequenceNumber", r.Change.SequenceNumber, "error", err)
			failed = i
			break
		}
		if ok {
			evs = append(evs, ev)
			recordOf = append(recordOf, i)
		}
	}
	n, err := p.Sink.Publish(ctx, evs)
	if err != nil && n < len(evs) {
		slog.WarnContext(ctx, "publishing stopped: the rest of the batch is retried", "published", n, "events", len(evs),
			"eventID", records[recordOf[n]].EventID, "sequenceNumber", records[recordOf[n]].Change.SequenceNumber, "error", err)
		failed = recordOf[n]
	}
	slog.InfoContext(ctx, "published profile events", "records", len(records), "events", n)
	metrics.Add(ctx, metrics.EventsPublished, float64(n))
	if failed >= 0 {
		metrics.Add(ctx, metrics.EventsFailed, 1)
	}
	// An empty list is a complete success.
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	if failed >= 0 {
		resp.BatchItemFailures = append(resp.BatchItemFailures,
			events.DynamoDBBatchItemFailure{ItemIdentifier: records[failed].Change.SequenceNumber})
	}
	return resp, nil
}
