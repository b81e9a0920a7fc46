// Package streams is the local stand-in for Lambda's event source mapping
// of a DynamoDB stream: it reads a table's stream on DynamoDB Local (which
// serves the DynamoDB Streams API) and invokes a function's real Lambda
// handler with DynamoDBEvent batches, as Lambda does in AWS ("Using AWS
// Lambda with Amazon DynamoDB", "Configuring partial batch response with
// DynamoDB and Lambda" and "Retaining discarded records", Lambda developer
// guide):
//
//   - each shard is read in order, one batch of it at a time, and a child
//     shard only once its parent is read to its end;
//   - a batch is up to BatchSize records (and under Lambda's 6 MB payload),
//     gathered for up to the batching window;
//   - with ReportBatchItemFailures, the record with the lowest sequence
//     number among the reported ones is the checkpoint: the records before
//     it are done, and the retry starts at it. An empty or unknown
//     itemIdentifier fails the whole batch;
//   - a function error fails the whole batch; with BisectBatchOnFunctionError
//     the batch is split in two and each half retried, which counts as no
//     retry;
//   - after MaximumRetryAttempts, the batch is given up: Lambda sends its
//     shard and sequence numbers to the on-failure destination (here, the
//     OnFailure func; FailureFile appends it as Lambda's record) and goes
//     on with the shard.
//
// Redrive publishes given-up batches later, from the on-failure queue or
// the local file, reading their records from the stream (cmd/redrive).
package streams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Mapping is an event source mapping's settings: the DynamoDB event of a
// function in template.yaml.
type Mapping struct {
	BatchSize               int           // BatchSize: records per invocation at most
	BatchingWindow          time.Duration // MaximumBatchingWindowInSeconds
	ReportBatchItemFailures bool          // FunctionResponseTypes: [ReportBatchItemFailures]
	Bisect                  bool          // BisectBatchOnFunctionError
	MaxRetries              int           // MaximumRetryAttempts; -1 retries without end
	// StartingPosition is TRIM_HORIZON (the oldest record the stream keeps)
	// or LATEST (the records written after Start) for the shards open at
	// Start; shards found later are read from their start, as Lambda does.
	StartingPosition types.ShardIteratorType
	Timeout          time.Duration // the function's timeout: each invocation's deadline
}

// Discarded is what Lambda sends to the on-failure destination of a stream
// source for a batch it gave up on (its DDBStreamBatchInfo): where the
// records are in the stream, not the records. FailureRecord is the whole
// message.
type Discarded struct {
	ShardID                         string    `json:"shardId"`
	StartSequenceNumber             string    `json:"startSequenceNumber"`
	EndSequenceNumber               string    `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord time.Time `json:"approximateArrivalOfFirstRecord"`
	ApproximateArrivalOfLastRecord  time.Time `json:"approximateArrivalOfLastRecord"`
	BatchSize                       int       `json:"batchSize"`
	StreamARN                       string    `json:"streamArn"`
	// Condition is RetryAttemptsExhausted; the message carries it in its
	// requestContext.
	Condition string `json:"-"`
}

// pollInterval is how often an idle shard is read: Lambda polls a DynamoDB
// stream's shards at a base rate of 4 times per second.
const pollInterval = 250 * time.Millisecond

// discoverInterval is how often the stream's shards are listed again.
const discoverInterval = time.Second

// Poller feeds a stream to a handler.
type Poller struct {
	client    *dynamodbstreams.Client
	streamARN string
	handler   lambda.Handler
	mapping   Mapping
	// OnFailure receives each batch given up on; by default it is logged
	// (devstack's event source also appends it to a file: AppendFailure).
	OnFailure func(Discarded)

	mu     sync.Mutex
	shards map[string]*shardState
	done   chan struct{}
}

// shardState is what the poller knows of a shard.
type shardState struct {
	parent   string
	started  bool
	finished bool // read to its end and delivered
}

// New is a poller of the stream (its ARN) for the handler.
func New(client *dynamodbstreams.Client, streamARN string, handler lambda.Handler, m Mapping) *Poller {
	p := &Poller{client: client, streamARN: streamARN, handler: handler, mapping: m,
		shards: map[string]*shardState{}, done: make(chan struct{})}
	p.OnFailure = func(d Discarded) {
		slog.Error("stream batch given up after its retries (Lambda sends this to the on-failure destination)",
			"shardId", d.ShardID, "startSequenceNumber", d.StartSequenceNumber, "endSequenceNumber", d.EndSequenceNumber,
			"batchSize", d.BatchSize, "streamArn", d.StreamARN)
	}
	return p
}

// NewClient is a DynamoDB Streams client of DynamoDB Local at endpoint,
// from the local AWS configuration.
func NewClient(cfg aws.Config, endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// StreamARN is the ARN of the table's stream; an error when it has none.
func StreamARN(ctx context.Context, db *dynamodb.Client, table string) (string, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", err
	}
	arn := aws.ToString(out.Table.LatestStreamArn)
	if arn == "" {
		return "", fmt.Errorf("table %s has no stream: template.yaml's StreamSpecification makes one", table)
	}
	return arn, nil
}

// Start lists the stream's shards, takes its position in those open now,
// and then feeds the stream to the handler in the background until ctx
// ends. With LATEST, every record written after Start returns is read.
func (p *Poller) Start(ctx context.Context) error {
	first, err := p.openShards(ctx)
	if err != nil {
		close(p.done) // nothing to wait for
		return err
	}
	var wg sync.WaitGroup
	for _, s := range first {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.readShard(ctx, s.id, s.iter, s.lastRead)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.discover(ctx, &wg)
	}()
	go func() {
		wg.Wait()
		close(p.done)
	}()
	return nil
}

// shardStart is where reading a shard starts.
type shardStart struct {
	id, lastRead string
	iter         *string
}

// openShards records the stream's shards and takes the starting position
// in those open now.
func (p *Poller) openShards(ctx context.Context) ([]shardStart, error) {
	shards, err := p.listShards(ctx)
	if err != nil {
		return nil, err
	}
	var first []shardStart
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		p.shards[id] = &shardState{parent: aws.ToString(sh.ParentShardId)}
		if sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil {
			// Closed: it holds only records older than Start. From the
			// oldest, discover reads it; from the latest, there is nothing.
			if p.mapping.StartingPosition == types.ShardIteratorTypeLatest {
				p.shards[id].started, p.shards[id].finished = true, true
			}
			continue
		}
		iter, err := p.iterator(ctx, id, types.ShardIteratorTypeTrimHorizon, "")
		lastRead := ""
		if err == nil && p.mapping.StartingPosition == types.ShardIteratorTypeLatest {
			iter, lastRead, err = p.skipToEnd(ctx, iter)
		}
		if err != nil {
			return nil, err
		}
		p.shards[id].started = true
		first = append(first, shardStart{id: id, iter: iter, lastRead: lastRead})
	}
	return first, nil
}

// Wait returns once the poller has stopped (its context ended).
func (p *Poller) Wait() { <-p.done }

// discover lists the shards again and again, and starts reading each new
// one once its parent is read.
func (p *Poller) discover(ctx context.Context, wg *sync.WaitGroup) {
	for {
		shards, err := p.listShards(ctx)
		if err != nil && ctx.Err() == nil {
			slog.Warn("list the stream's shards", "stream", p.streamARN, "error", err)
		}
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			p.mu.Lock()
			st, ok := p.shards[id]
			if !ok {
				st = &shardState{parent: aws.ToString(sh.ParentShardId)}
				p.shards[id] = st
			}
			parent, known := p.shards[st.parent]
			ready := !st.started && (st.parent == "" || !known || parent.finished)
			if ready {
				st.started = true
			}
			p.mu.Unlock()
			if !ready {
				continue
			}
			iter, err := p.iterator(ctx, id, types.ShardIteratorTypeTrimHorizon, "")
			if err != nil {
				slog.Warn("shard iterator", "shard", id, "error", err)
				p.mu.Lock()
				st.started = false
				p.mu.Unlock()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.readShard(ctx, id, iter, "")
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(discoverInterval):
		}
	}
}

func (p *Poller) listShards(ctx context.Context) ([]types.Shard, error) {
	var shards []types.Shard
	var from *string
	for {
		out, err := p.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{
			StreamArn: aws.String(p.streamARN), ExclusiveStartShardId: from})
		if err != nil {
			return shards, err
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if from = out.StreamDescription.LastEvaluatedShardId; from == nil {
			return shards, nil
		}
	}
}

// iterator is a shard iterator of the type; after, a sequence number, for
// AFTER_SEQUENCE_NUMBER.
func (p *Poller) iterator(ctx context.Context, shard string, typ types.ShardIteratorType, after string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.streamARN), ShardId: aws.String(shard), ShardIteratorType: typ}
	if after != "" {
		in.SequenceNumber = aws.String(after)
	}
	out, err := p.client.GetShardIterator(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.ShardIterator, nil
}

// skipToEnd reads a shard from iter to the last record it holds now: LATEST
// as the poller takes it. (DynamoDB Local's own LATEST iterators do not
// advance over empty reads, so they miss records.) It returns the iterator
// after that record, and the record's sequence number.
func (p *Poller) skipToEnd(ctx context.Context, iter *string) (*string, string, error) {
	lastRead := ""
	for iter != nil {
		out, err := p.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			return nil, "", err
		}
		if len(out.Records) == 0 {
			return iter, lastRead, nil
		}
		lastRead = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber)
		iter = out.NextShardIterator
	}
	return nil, lastRead, nil
}

// finish records that a shard is read to its end, which frees its children.
func (p *Poller) finish(shard string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shards[shard].finished = true
}

// isLost reports whether err says the shard iterator is no more good:
// expired, or before the oldest record the stream keeps.
func isLost(err error) bool {
	var expired *types.ExpiredIteratorException
	var trimmed *types.TrimmedDataAccessException
	return errors.As(err, &expired) || errors.As(err, &trimmed)
}
