package integration

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/aws/streams"
	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/local/wait"
)

var updateStreamFixture = flag.Bool("update-stream-fixture", false,
	"rewrite events/publish-profile-events.json from a real run on DynamoDB Local (needs sam)")

// streamFixture is the stream fixture of PublishProfileEvents.
const streamFixture = "publish-profile-events.json"

// TestWriteStreamFixture rewrites events/publish-profile-events.json, when
// asked to (go test ./local/integration -run TestWriteStreamFixture
// -update-stream-fixture): SAM's `sam local generate-event dynamodb
// update` sample, whose records are replaced by the real records of the
// fixture profile's life on DynamoDB Local: written as make invoke writes
// it (with its contact items, user marker and the fixture API key), its
// tags patched, a contact added, then deleted through the API.
func TestWriteStreamFixture(t *testing.T) {
	if !*updateStreamFixture {
		t.Skip("rewrites the stream fixture only with -update-stream-fixture")
	}
	sam := samCLI(t)
	var sample struct {
		Records []struct {
			EventVersion   string `json:"eventVersion"`
			EventSource    string `json:"eventSource"`
			AWSRegion      string `json:"awsRegion"`
			EventSourceArn string `json:"eventSourceARN"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(generateEvent(t, sam, "dynamodb", "update", "--table", "profiles"), &sample); err != nil {
		t.Fatal(err)
	}
	a := newAPI(t)
	records := recordStream(t, a.stack, func() {
		if err := fixtures.Reset(context.Background(), a.stack.Store); err != nil {
			t.Fatal(err)
		}
		id := fixtures.ProfileID
		a.do("PATCH", "/profiles/"+id, `{"tags": ["blue", "green", "vip"]}`).expect(t, 200, nil)
		a.do("POST", "/profiles/"+id+"/contacts", `{"key": "email", "value": "mary.smith@work.example", "uuid": null}`).expect(t, 201, nil)
		a.do("DELETE", "/profiles/"+id, nil).expect(t, 204, nil)
	})
	// SAM's field order, SAM's envelope, the records' own content.
	type record struct {
		EventID        string                      `json:"eventID"`
		EventName      string                      `json:"eventName"`
		EventVersion   string                      `json:"eventVersion"`
		EventSource    string                      `json:"eventSource"`
		AWSRegion      string                      `json:"awsRegion"`
		Dynamodb       events.DynamoDBStreamRecord `json:"dynamodb"`
		EventSourceArn string                      `json:"eventSourceARN"`
	}
	env := sample.Records[0]
	var out struct {
		Records []record `json:"Records"`
	}
	for _, r := range records {
		out.Records = append(out.Records, record{EventID: r.EventID, EventName: r.EventName, EventVersion: env.EventVersion,
			EventSource: env.EventSource, AWSRegion: env.AWSRegion, Dynamodb: r.Change, EventSourceArn: env.EventSourceArn})
	}
	raw, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(testenv.Root(t), "events", streamFixture)
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d records to %s", len(records), path)
}

// recordStream runs writes on the stack's table and returns the records
// they made in its stream, as Lambda delivers them.
func recordStream(t *testing.T, stack *testenv.Stack, writes func()) []events.DynamoDBEventRecord {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	arn, err := streams.StreamARN(ctx, stack.DB, stack.Config.TableName)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []events.DynamoDBEventRecord
	h := handlerFunc(func(payload []byte) ([]byte, error) {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		mu.Lock()
		got = append(got, ev.Records...)
		mu.Unlock()
		return nil, nil
	})
	p := streams.New(streams.NewClient(stack.AWS, stack.Config.Endpoint), arn, h, streams.Mapping{
		BatchSize: 100, MaxRetries: -1, Timeout: 10 * time.Second, StartingPosition: "TRIM_HORIZON"})
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); p.Wait() }()
	writes()
	// The last write's record closes the recording.
	_, err = stack.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(stack.Config.TableName),
		Item: map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "END"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "END"}}})
	if err != nil {
		t.Fatal(err)
	}
	var records []events.DynamoDBEventRecord
	wait.For(t, "the last write's record on the stream", func() (bool, string) {
		mu.Lock()
		records = slices.Clone(got)
		mu.Unlock()
		n := len(records)
		return n > 0 && records[n-1].Change.Keys["PK"].String() == "END", fmt.Sprintf("%d records, none the last write's", n)
	})
	return records[:len(records)-1]
}

// handlerFunc is a Lambda handler of a function of the payload.
type handlerFunc func(payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(_ context.Context, payload []byte) ([]byte, error) { return f(payload) }
