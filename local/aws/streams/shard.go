package streams

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// maxPayload is Lambda's limit on a synchronous invocation's payload: a
// batch stops short of it whatever BatchSize says.
const maxPayload = 6 << 20

// readShard reads a shard from iter to its end (or until ctx ends) and
// delivers its records, a batch at a time, in order. lastRead is the
// sequence number of the last record already read before iter, if any.
func (p *Poller) readShard(ctx context.Context, shard string, iter *string, lastRead string) {
	var pending []events.DynamoDBEventRecord // read, not yet delivered
	var gathering time.Time                  // when the oldest pending record was read
	for ctx.Err() == nil {
		if p.batchReady(pending, gathering, iter == nil) {
			n := p.batchLen(pending)
			p.deliver(ctx, shard, pending[:n])
			pending = pending[n:]
			continue
		}
		if iter == nil {
			p.finish(shard)
			return
		}
		out, err := p.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		switch {
		case isLost(err):
			// The iterator expired (after 15 minutes) or points where the
			// stream no longer is: DynamoDB Local says so of every iterator
			// of every stream once any table is deleted. Go on after the
			// last record read.
			if fresh, ierr := p.reposition(ctx, shard, lastRead); ierr == nil {
				iter = fresh
			} else {
				sleep(ctx, pollInterval)
			}
			continue
		case err != nil:
			if ctx.Err() == nil {
				slog.Warn("read the stream", "shard", shard, "error", err)
			}
			sleep(ctx, pollInterval)
			continue
		}
		iter = out.NextShardIterator
		for _, r := range out.Records {
			if !seqLess(lastRead, aws.ToString(r.Dynamodb.SequenceNumber)) {
				continue // read before: a repositioned iterator may start earlier
			}
			if len(pending) == 0 {
				gathering = time.Now()
			}
			pending = append(pending, lambdaRecord(r, p.streamARN))
			lastRead = aws.ToString(r.Dynamodb.SequenceNumber)
		}
		if len(out.Records) == 0 && iter != nil && !p.batchReady(pending, gathering, false) {
			wait := pollInterval
			if len(pending) > 0 {
				wait = min(wait, time.Until(gathering.Add(p.mapping.BatchingWindow)))
			}
			sleep(ctx, wait)
		}
	}
}

// batchReady reports whether the pending records make a batch now: a full
// one, or one whose batching window is over, or the last of a shard.
func (p *Poller) batchReady(pending []events.DynamoDBEventRecord, gathering time.Time, shardEnd bool) bool {
	switch {
	case len(pending) == 0:
		return false
	case len(pending) >= p.mapping.BatchSize || shardEnd:
		return true
	}
	return time.Since(gathering) >= p.mapping.BatchingWindow
}

// batchLen is how many of the pending records the next batch takes: up to
// BatchSize, under the payload limit, and at least one.
func (p *Poller) batchLen(pending []events.DynamoDBEventRecord) int {
	n, size := 0, 0
	for n < len(pending) && n < p.mapping.BatchSize {
		b, _ := json.Marshal(pending[n])
		if n > 0 && size+len(b) > maxPayload {
			break
		}
		size += len(b) + 1
		n++
	}
	return n
}

// reposition is an iterator after the record lastRead, or from the oldest
// record when that fails or nothing was read ("" is before every record).
func (p *Poller) reposition(ctx context.Context, shard, lastRead string) (*string, error) {
	if lastRead != "" {
		if iter, err := p.iterator(ctx, shard, types.ShardIteratorTypeAfterSequenceNumber, lastRead); err == nil {
			return iter, nil
		}
	}
	return p.iterator(ctx, shard, types.ShardIteratorTypeTrimHorizon, "")
}

// seqLess orders sequence numbers, decimal strings of any length; "" is
// before every one.
func seqLess(a, b string) bool {
	return len(a) < len(b) || len(a) == len(b) && a < b
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
