package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// ErrTrimmed says a given-up batch's records are no longer in the stream:
// DynamoDB keeps a stream's records for 24 hours.
var ErrTrimmed = errors.New("the records are no longer in the stream (it keeps them 24 hours)")

// maxEmptyReads is how many reads in a row may return nothing before the
// redrive of a batch stops short of its end sequence number.
const maxEmptyReads = 20

// Redrive publishes again the batches an event source mapping gave up on:
// it reads each batch's records from the stream, by shard and sequence
// numbers, and invokes the function's handler with them, as the mapping
// would have; a record of the on-failure destination is deleted only once
// every record of its batch is published.
type Redrive struct {
	Client  *dynamodbstreams.Client
	Handler lambda.Handler
	// BatchSize is how many records an invocation takes at most.
	BatchSize int
	// Timeout is the function's timeout: each invocation's deadline.
	Timeout time.Duration
}

// Result is what a redrive did: the batches published and deleted, and
// those left waiting, each with why.
type Result struct {
	Redriven []Discarded
	Left     []Left
}

// Left is a batch the redrive could not publish.
type Left struct {
	Batch Discarded
	Err   error
}

// All redrives every record waiting in failures, oldest position of each
// shard first, and prints a line for each to out. One batch that fails
// does not stop the others.
func (r Redrive) All(ctx context.Context, failures Failures, out io.Writer) (Result, error) {
	var res Result
	waiting, err := failures.Receive(ctx)
	if err != nil {
		return res, fmt.Errorf("read %s: %w", failures, err)
	}
	// A profile's changes are in one shard, in sequence order: so are its
	// redriven events.
	slices.SortStableFunc(waiting, func(a, b Failure) int {
		x, y := a.Record.DDBStreamBatchInfo, b.Record.DDBStreamBatchInfo
		switch {
		case x.ShardID != y.ShardID:
			return strings.Compare(x.ShardID, y.ShardID)
		case seqLess(x.StartSequenceNumber, y.StartSequenceNumber):
			return -1
		case seqLess(y.StartSequenceNumber, x.StartSequenceNumber):
			return 1
		}
		return 0
	})
	for _, f := range waiting {
		d := f.Record.DDBStreamBatchInfo
		n, err := r.Batch(ctx, d)
		if err == nil {
			err = failures.Delete(ctx, f)
		}
		if err != nil {
			res.Left = append(res.Left, Left{Batch: d, Err: err})
			fmt.Fprintf(out, "left      %s: %v\n", describe(d), err)
			continue
		}
		res.Redriven = append(res.Redriven, d)
		fmt.Fprintf(out, "redriven  %s: %d records\n", describe(d), n)
	}
	fmt.Fprintf(out, "%d batches redriven, %d left in %s\n", len(res.Redriven), len(res.Left), failures)
	return res, nil
}

func describe(d Discarded) string {
	return fmt.Sprintf("shard %s sequence %s to %s (%d records, first at %s)", d.ShardID, d.StartSequenceNumber,
		d.EndSequenceNumber, d.BatchSize, d.ApproximateArrivalOfFirstRecord.Format(time.RFC3339))
}

// Batch publishes the records of one given-up batch; it returns how many
// records it read, and an error unless every one was published.
func (r Redrive) Batch(ctx context.Context, d Discarded) (int, error) {
	records, err := r.read(ctx, d)
	if err != nil {
		return 0, err
	}
	size := max(r.BatchSize, 1)
	for start := 0; start < len(records); start += size {
		if err := r.invoke(ctx, records[start:min(start+size, len(records))]); err != nil {
			return len(records), err
		}
	}
	return len(records), nil
}

// read is the stream's records from d's start sequence number to its end
// one: GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords until past the
// end.
func (r Redrive) read(ctx context.Context, d Discarded) ([]events.DynamoDBEventRecord, error) {
	it, err := r.Client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(d.StreamARN), ShardId: aws.String(d.ShardID),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(d.StartSequenceNumber)})
	if err != nil {
		return nil, streamError(err)
	}
	var records []events.DynamoDBEventRecord
	empty := 0
	for iter := it.ShardIterator; iter != nil; {
		out, err := r.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			return nil, streamError(err)
		}
		for _, rec := range out.Records {
			seq := aws.ToString(rec.Dynamodb.SequenceNumber)
			if seqLess(d.EndSequenceNumber, seq) {
				return records, nil
			}
			records = append(records, lambdaRecord(rec, d.StreamARN))
			if seq == d.EndSequenceNumber {
				return records, nil
			}
		}
		if empty = empty + 1; len(out.Records) > 0 {
			empty = 0
		}
		if empty >= maxEmptyReads {
			return nil, fmt.Errorf("the stream gave no record past %d of the batch's, before its end %s", len(records), d.EndSequenceNumber)
		}
		iter = out.NextShardIterator
	}
	return records, nil // the shard is closed and read to its end
}

// streamError says which stream errors mean the records are gone.
func streamError(err error) error {
	var trimmed *types.TrimmedDataAccessException
	var missing *types.ResourceNotFoundException
	if errors.As(err, &trimmed) || errors.As(err, &missing) {
		return fmt.Errorf("%w: %w", ErrTrimmed, err)
	}
	return err
}

// invoke runs the handler on the records within the function's timeout;
// an error unless it reports every record done.
func (r Redrive) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) error {
	payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
	if err != nil {
		return err
	}
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	out, err := r.Handler.Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("the function failed: %w", err)
	}
	if done := checkpoint(batch, out); done < len(batch) {
		return fmt.Errorf("the function could not publish the record %s (eventID %s): its log says why",
			batch[done].Change.SequenceNumber, batch[done].EventID)
	}
	return nil
}
