package streams_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/profiles-service/profiles/local/aws/streams"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/local/wait"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// recorder is a handler that records every batch it is given and answers
// as answer says (nil: a complete success).
type recorder struct {
	mu      sync.Mutex
	batches [][]events.DynamoDBEventRecord
	answer  func(batch []events.DynamoDBEventRecord, call int) (*events.DynamoDBEventResponse, error)
}

func (r *recorder) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.batches = append(r.batches, ev.Records)
	call := len(r.batches)
	r.mu.Unlock()
	if r.answer == nil {
		return []byte(`{"batchItemFailures":[]}`), nil
	}
	resp, err := r.answer(ev.Records, call)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}

func (r *recorder) calls() [][]events.DynamoDBEventRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

// testTable is a fresh table made from template.yaml, with its stream.
type testTable struct {
	db     *dynamodb.Client
	name   string
	stream string
	*testenv.Stack
}

func newTable(t *testing.T) *testTable {
	t.Helper()
	if testing.Short() {
		t.Skip("needs DynamoDB Local")
	}
	st := testenv.NewStack(t)
	arn, err := streams.StreamARN(context.Background(), st.DB, st.Config.TableName)
	if err != nil {
		t.Fatal(err)
	}
	return &testTable{db: st.DB, name: st.Config.TableName, stream: arn, Stack: st}
}

// put writes item i of partition pk; it returns nothing, a failed write fails the test.
func (tt *testTable) put(t *testing.T, pk string, i int) {
	t.Helper()
	_, err := tt.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(tt.name), Item: map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: pk}, "SK": &ddbtypes.AttributeValueMemberS{Value: "ITEM"},
		"n": &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(i)},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// start runs a poller of the table's stream until the test ends.
func (tt *testTable) start(t *testing.T, h *recorder, m streams.Mapping) *streams.Poller {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := streams.New(streams.NewClient(tt.AWS, tt.Config.Endpoint), tt.stream, h, m)
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); p.Wait() })
	return p
}

var mapping = streams.Mapping{BatchSize: 5, BatchingWindow: 100 * time.Millisecond, ReportBatchItemFailures: true, Bisect: true,
	MaxRetries: 3, StartingPosition: types.ShardIteratorTypeTrimHorizon, Timeout: 5 * time.Second}

// delivered is each record's n, in the order of the calls, a record
// delivered again counted again.
func delivered(batches [][]events.DynamoDBEventRecord) []int {
	var ns []int
	for _, b := range batches {
		for _, r := range b {
			n, err := strconv.Atoi(r.Change.NewImage["n"].Number())
			if err != nil {
				n = -1 // not a number: shows as a record no test wrote
			}
			ns = append(ns, n)
		}
	}
	return ns
}

// waitFor waits on wait.For until ok: records reach the poller
// within a poll interval and a batching window.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	wait.For(t, what, func() (bool, string) { return ok(), "not yet" })
}

// settle writes a last record (n) and waits until it is delivered: the
// table's stream has one shard, which the poller reads in order, so every
// delivery of an earlier record, a late repeat included, came before it.
// It replaces a fixed sleep that hoped nothing more would come.
func (tt *testTable) settle(t *testing.T, h *recorder, n int) {
	t.Helper()
	tt.put(t, "P#settle", n)
	waitFor(t, fmt.Sprintf("the settling record %d", n), func() bool { return slices.Contains(delivered(h.calls()), n) })
}

// seqLess orders sequence numbers, decimal strings of any length.
func seqLess(a, b string) bool {
	return len(a) < len(b) || len(a) == len(b) && a < b
}

func upTo(n int) []int {
	ns := make([]int, n)
	for i := range ns {
		ns[i] = i
	}
	return ns
}

// TestPollerDeliversEveryRecordInOrder: every record, once, in stream
// order, in batches of at most BatchSize, shaped as Lambda delivers them.
func TestPollerDeliversEveryRecordInOrder(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	h := &recorder{}
	tt.start(t, h, mapping)
	for i := range 23 {
		tt.put(t, fmt.Sprint("P#", i%3), i)
	}
	waitFor(t, "23 records", func() bool { return len(delivered(h.calls())) >= 23 })
	tt.settle(t, h, 23)
	calls := h.calls()
	if got := delivered(calls); !slices.Equal(got, upTo(24)) {
		t.Errorf("delivered %v, want 0..22 once each, in order, then the settling 23", got)
	}
	last := ""
	for _, b := range calls {
		if len(b) > mapping.BatchSize {
			t.Errorf("a batch of %d records, BatchSize is %d", len(b), mapping.BatchSize)
		}
		for _, r := range b {
			c := r.Change
			if r.EventSource != "aws:dynamodb" || r.EventSourceArn != tt.stream || r.EventID == "" || r.EventVersion == "" ||
				c.StreamViewType != "NEW_AND_OLD_IMAGES" || c.Keys["PK"].String() == "" || c.NewImage == nil ||
				c.ApproximateCreationDateTime.IsZero() || c.SizeBytes == 0 {
				t.Errorf("record is not as Lambda delivers it: %+v", r)
			}
			if !seqLess(last, c.SequenceNumber) {
				t.Errorf("sequence number %s after %s", c.SequenceNumber, last)
			}
			last = c.SequenceNumber
		}
	}
}

// TestPollerBatchingWindow: records written within the window come in one batch.
func TestPollerBatchingWindow(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	h := &recorder{}
	m := mapping
	m.BatchSize, m.BatchingWindow = 100, 2*time.Second
	tt.start(t, h, m)
	for i := range 4 {
		tt.put(t, "P#1", i)
	}
	waitFor(t, "4 records", func() bool { return len(delivered(h.calls())) >= 4 })
	if calls := h.calls(); len(calls) != 1 {
		t.Errorf("%d invocations for 4 records written within the batching window, want 1", len(calls))
	}
}

// TestPollerLatest: from LATEST, only what is written after Start.
func TestPollerLatest(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	for i := range 3 {
		tt.put(t, "P#1", i)
	}
	h := &recorder{}
	m := mapping
	m.StartingPosition = types.ShardIteratorTypeLatest
	tt.start(t, h, m)
	tt.put(t, "P#1", 3)
	tt.put(t, "P#2", 4)
	waitFor(t, "2 records", func() bool { return len(delivered(h.calls())) >= 2 })
	tt.settle(t, h, 5)
	if got := delivered(h.calls()); !slices.Equal(got, []int{3, 4, 5}) {
		t.Errorf("from LATEST delivered %v, want [3 4] and the settling 5", got)
	}
}

// fails reports records of the batch as failed.
func fails(batch []events.DynamoDBEventRecord, which func(n int) bool) *events.DynamoDBEventResponse {
	resp := &events.DynamoDBEventResponse{}
	for i := len(batch) - 1; i >= 0; i-- { // any order: the lowest counts
		if which(delivered([][]events.DynamoDBEventRecord{batch[i : i+1]})[0]) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: batch[i].Change.SequenceNumber})
		}
	}
	return resp
}

// TestPollerRetriesFromTheFirstReportedFailure: a partial batch response
// checkpoints before the reported record with the lowest sequence number;
// the retry starts there, and nothing before it is delivered again.
func TestPollerRetriesFromTheFirstReportedFailure(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	var mu sync.Mutex
	failures := 0
	h := &recorder{answer: func(batch []events.DynamoDBEventRecord, _ int) (*events.DynamoDBEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		if failures == 2 {
			return nil, nil
		}
		resp := fails(batch, func(n int) bool { return n == 7 || n == 8 })
		if len(resp.BatchItemFailures) > 0 {
			failures++
		}
		return resp, nil
	}}
	m := mapping
	m.BatchSize = 10
	for i := range 10 {
		tt.put(t, fmt.Sprint("P#", i%2), i)
	}
	tt.start(t, h, m) // after the writes: the first batch holds all ten
	waitFor(t, "the retries", func() bool { return len(h.calls()) >= 3 })
	tt.settle(t, h, 10)
	want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9, 7, 8, 9, 10}
	if got := delivered(h.calls()); !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

// TestPollerGivesUpAfterItsRetries: a record that always fails is retried
// MaxRetries times; then the rest of its batch goes to OnFailure and the
// shard moves on.
func TestPollerGivesUpAfterItsRetries(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	h := &recorder{answer: func(batch []events.DynamoDBEventRecord, _ int) (*events.DynamoDBEventResponse, error) {
		return fails(batch, func(n int) bool { return n == 2 }), nil
	}}
	m := mapping
	m.MaxRetries = 2
	for i := range 5 {
		tt.put(t, "P#1", i)
	}
	p := streams.New(streams.NewClient(tt.AWS, tt.Config.Endpoint), tt.stream, h, m)
	discarded := make(chan streams.Discarded, 1)
	p.OnFailure = func(d streams.Discarded) { discarded <- d }
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); p.Wait() }()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var d streams.Discarded
	select {
	case d = <-discarded:
	case <-time.After(wait.Budget):
		t.Fatal("the failing batch was never given up")
	}
	batch := h.calls()[0]
	if d.StartSequenceNumber != batch[2].Change.SequenceNumber || d.EndSequenceNumber != batch[4].Change.SequenceNumber ||
		d.BatchSize != 3 || d.ShardID == "" || d.StreamARN != tt.stream {
		t.Errorf("discarded %+v, want records 2 to 4 of %s", d, tt.stream)
	}
	tt.put(t, "P#1", 5)
	waitFor(t, "the record after the given-up batch", func() bool { return slices.Contains(delivered(h.calls()), 5) })
	want := []int{0, 1, 2, 3, 4, 2, 3, 4, 2, 3, 4, 5}
	if got := delivered(h.calls()); !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

// TestPollerBisectsOnFunctionError: a function error splits the batch
// until the failing record is alone; it alone is given up on, and every
// other record is delivered, in order.
func TestPollerBisectsOnFunctionError(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	h := &recorder{answer: func(batch []events.DynamoDBEventRecord, _ int) (*events.DynamoDBEventResponse, error) {
		if slices.Contains(delivered([][]events.DynamoDBEventRecord{batch}), 5) {
			return nil, errors.New("poisoned")
		}
		return nil, nil
	}}
	m := mapping
	m.BatchSize, m.MaxRetries = 8, 1
	for i := range 8 {
		tt.put(t, fmt.Sprint("P#", i), i)
	}
	p := streams.New(streams.NewClient(tt.AWS, tt.Config.Endpoint), tt.stream, h, m)
	var discarded []streams.Discarded
	var mu sync.Mutex
	p.OnFailure = func(d streams.Discarded) { mu.Lock(); discarded = append(discarded, d); mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); p.Wait() }()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the poisoned record given up, and record 7 delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		calls := h.calls()
		return len(discarded) > 0 && len(calls) > 0 && slices.Contains(delivered(calls[len(calls)-1:]), 7)
	})
	var ok []int
	for _, b := range h.calls() {
		if ns := delivered([][]events.DynamoDBEventRecord{b}); !slices.Contains(ns, 5) {
			ok = append(ok, ns...)
		}
	}
	if want := []int{0, 1, 2, 3, 4, 6, 7}; !slices.Equal(ok, want) {
		t.Errorf("delivered %v without error, want %v", ok, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(discarded) != 1 || discarded[0].BatchSize != 1 {
		t.Errorf("gave up on %+v, want record 5 alone", discarded)
	}
}
