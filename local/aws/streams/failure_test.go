package streams_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/aws/streams"
)

// TestFailureFile: a given-up batch is appended as Lambda's documented
// on-failure record of a DynamoDB stream, and deleting one record keeps
// the others, those appended after it was read included.
func TestFailureFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "failures", "stream-failures.jsonl")
	f := streams.NewFailureFile(path)
	ctx := context.Background()
	if got, err := f.Receive(ctx); err != nil || len(got) != 0 {
		t.Fatalf("a file not written yet holds %v (%v), want nothing", got, err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	batch := func(start string) streams.Discarded {
		return streams.Discarded{ShardID: "shardId-1", StartSequenceNumber: start, EndSequenceNumber: start + "9",
			ApproximateArrivalOfFirstRecord: at, ApproximateArrivalOfLastRecord: at, BatchSize: 2,
			StreamARN: "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/1", Condition: "RetryAttemptsExhausted"}
	}
	f.Append(batch("1"))
	f.Append(batch("2"))

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]json.RawMessage
	if err := json.Unmarshal([]byte(strings.SplitN(string(raw), "\n", 2)[0]), &line); err != nil {
		t.Fatal(err)
	}
	var info, request map[string]any
	if json.Unmarshal(line["DDBStreamBatchInfo"], &info) != nil || json.Unmarshal(line["requestContext"], &request) != nil {
		t.Fatalf("record %s", raw)
	}
	for _, k := range []string{"shardId", "startSequenceNumber", "endSequenceNumber", "approximateArrivalOfFirstRecord",
		"approximateArrivalOfLastRecord", "batchSize", "streamArn"} {
		if _, ok := info[k]; !ok {
			t.Errorf("DDBStreamBatchInfo lacks %s: %v", k, info)
		}
	}
	if request["condition"] != "RetryAttemptsExhausted" || info["approximateArrivalOfFirstRecord"] != "2026-01-02T03:04:05Z" {
		t.Errorf("record %s", raw)
	}

	got, err := f.Receive(ctx)
	if err != nil || len(got) != 2 || got[1].Record.DDBStreamBatchInfo.StartSequenceNumber != "2" {
		t.Fatalf("received %+v (%v), want the 2 batches", got, err)
	}
	f.Append(batch("3")) // after the read
	if err := f.Delete(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	left, err := f.Receive(ctx)
	if err != nil || len(left) != 2 || left[0].Record.DDBStreamBatchInfo.StartSequenceNumber != "2" ||
		left[1].Record.DDBStreamBatchInfo.StartSequenceNumber != "3" {
		t.Errorf("after the delete, %+v (%v); want batches 2 and 3", left, err)
	}
}
