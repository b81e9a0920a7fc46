package streams

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// maxRetryWait bounds the wait between two tries of a failing batch.
const maxRetryWait = 2 * time.Second

// deliver invokes the handler with the batch until every record of it is
// checkpointed or given up on. A partial batch response moves the
// checkpoint to the first reported record, and the retry takes the records
// from there; a function error retries the whole batch, or with Bisect
// delivers each half on its own. Retries are counted while the checkpoint
// does not move, up to MaxRetries; then the rest of the batch goes to
// OnFailure.
func (p *Poller) deliver(ctx context.Context, shard string, batch []events.DynamoDBEventRecord) {
	retries := 0
	for len(batch) > 0 && ctx.Err() == nil {
		done, err := p.invoke(ctx, batch)
		if err != nil {
			slog.Warn("the function failed on a stream batch", "shard", shard, "records", len(batch), "error", err)
			if p.mapping.Bisect && len(batch) > 1 {
				half := len(batch) / 2
				p.deliver(ctx, shard, batch[:half])
				p.deliver(ctx, shard, batch[half:])
				return
			}
		}
		if done == len(batch) {
			return
		}
		if done > 0 {
			retries = 0
		}
		batch = batch[done:]
		if p.mapping.MaxRetries >= 0 && retries >= p.mapping.MaxRetries {
			first, last := batch[0].Change, batch[len(batch)-1].Change
			p.OnFailure(Discarded{
				ShardID: shard, StartSequenceNumber: first.SequenceNumber, EndSequenceNumber: last.SequenceNumber,
				ApproximateArrivalOfFirstRecord: first.ApproximateCreationDateTime.UTC(),
				ApproximateArrivalOfLastRecord:  last.ApproximateCreationDateTime.UTC(),
				BatchSize:                       len(batch), StreamARN: p.streamARN, Condition: "RetryAttemptsExhausted",
			})
			return
		}
		retries++
		sleep(ctx, min(time.Duration(retries)*100*time.Millisecond, maxRetryWait))
	}
}

// invoke runs the handler on the batch within the function's timeout. It
// returns how many records, from the first, are done (the checkpoint), and
// the function's error, when it returned one (then none is done).
func (p *Poller) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) (int, error) {
	payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
	if err != nil {
		return 0, err
	}
	if p.mapping.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.mapping.Timeout)
		defer cancel()
	}
	out, err := p.handler.Invoke(ctx, payload)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("the function timed out: %w", ctx.Err())
	}
	if err != nil {
		return 0, err
	}
	if !p.mapping.ReportBatchItemFailures {
		// Without ReportBatchItemFailures, Lambda does not read the response.
		return len(batch), nil
	}
	return checkpoint(batch, out), nil
}

// checkpoint reads a partial batch response: how many records, from the
// first, are done. The reported record with the lowest sequence number is
// the checkpoint; an empty, null or unknown itemIdentifier fails the whole
// batch; an empty or null list, or no response, is a complete success.
// (A response that is no JSON object Lambda's documentation does not
// cover: it fails the batch here.)
func checkpoint(batch []events.DynamoDBEventRecord, response []byte) int {
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if len(response) == 0 || string(response) == "null" {
		return len(batch)
	}
	if json.Unmarshal(response, &resp) != nil {
		return 0 // not a response Lambda can read: retried rather than lost
	}
	done := len(batch)
	for _, f := range resp.BatchItemFailures {
		i := indexOf(batch, f.ItemIdentifier)
		if i < 0 {
			return 0
		}
		done = min(done, i)
	}
	return done
}

func indexOf(batch []events.DynamoDBEventRecord, seq *string) int {
	if seq == nil || *seq == "" {
		return -1
	}
	for i, r := range batch {
		if r.Change.SequenceNumber == *seq {
			return i
		}
	}
	return -1
}
