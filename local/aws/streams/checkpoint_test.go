package streams

import (
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestCheckpoint reads partial batch responses as Lambda does.
func TestCheckpoint(t *testing.T) {
	t.Parallel()
	batch := make([]events.DynamoDBEventRecord, 4)
	for i := range batch {
		batch[i].Change.SequenceNumber = fmt.Sprintf("00000000000000000000%d", i+1)
	}
	for _, tc := range []struct {
		response string
		done     int
	}{
		{``, 4},
		{`null`, 4},
		{`{}`, 4},
		{`{"batchItemFailures":null}`, 4},
		{`{"batchItemFailures":[]}`, 4},
		{`{"batchItemFailures":[{"itemIdentifier":"000000000000000000003"}]}`, 2},
		{`{"batchItemFailures":[{"itemIdentifier":"000000000000000000004"},{"itemIdentifier":"000000000000000000002"}]}`, 1},
		{`{"batchItemFailures":[{"itemIdentifier":""}]}`, 0},
		{`{"batchItemFailures":[{"itemIdentifier":null}]}`, 0},
		{`{"batchItemFailures":[{"id":"000000000000000000003"}]}`, 0},
		{`{"batchItemFailures":[{"itemIdentifier":"999"}]}`, 0},
		{`not json`, 0},
	} {
		if got := checkpoint(batch, []byte(tc.response)); got != tc.done {
			t.Errorf("checkpoint(%s) = %d, want %d", tc.response, got, tc.done)
		}
	}
}
