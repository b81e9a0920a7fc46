package profileevents_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/profiles-service/profiles/local/aws/streams"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/local/wait"
	"github.com/profiles-service/profiles/shared/dynamo"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// collector is a Lambda handler that keeps the records it is given.
type collector struct {
	mu      sync.Mutex
	records []events.DynamoDBEventRecord
}

func (c *collector) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, ev.Records...)
	return []byte(`{"batchItemFailures":[]}`), nil
}

func (c *collector) all() []events.DynamoDBEventRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.records)
}

// capture runs writes on a fresh table of DynamoDB Local and returns the
// stream records they made, as Lambda delivers them (through the local
// event source mapping).
func capture(t *testing.T, writes func(ctx context.Context, store *dynamo.Store)) []events.DynamoDBEventRecord {
	t.Helper()
	if testing.Short() {
		t.Skip("needs DynamoDB Local")
	}
	ctx, cancel := context.WithCancel(context.Background())
	stack := testenv.NewStack(t)
	arn, err := streams.StreamARN(ctx, stack.DB, stack.Config.TableName)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	p := streams.New(streams.NewClient(stack.AWS, stack.Config.Endpoint), arn, c, streams.Mapping{
		BatchSize: 100, ReportBatchItemFailures: true, MaxRetries: -1, Timeout: 10 * time.Second,
		StartingPosition: streamtypes.ShardIteratorTypeTrimHorizon,
	})
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); p.Wait() }()
	writes(ctx, stack.Store)
	// The last write's record closes the capture.
	_, err = stack.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(stack.Config.TableName),
		Item: map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "END"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "END"}}})
	if err != nil {
		t.Fatal(err)
	}
	var records []events.DynamoDBEventRecord
	wait.For(t, "the last write's record on the stream", func() (bool, string) {
		records = c.all()
		n := len(records)
		return n > 0 && records[n-1].Change.Keys["PK"].String() == "END", fmt.Sprintf("%d records, not the last write's", n)
	})
	return records[:len(records)-1]
}
