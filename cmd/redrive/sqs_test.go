package main

import (
	"context"
	"crypto/md5" //nolint:gosec // G501: the fake SQS checks bodies with MD5, as SQS does
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// fakeQueue answers SQS's ReceiveMessage and DeleteMessage (the AWS JSON
// 1.0 protocol) from a list of message bodies.
type fakeQueue struct {
	mu        sync.Mutex
	bodies    []string
	delivered int
	deleted   []string
}

func (q *fakeQueue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	defer q.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch r.Header.Get("X-Amz-Target") {
	case "AmazonSQS.ReceiveMessage":
		type message struct{ MessageId, ReceiptHandle, Body, MD5OfBody string }
		var msgs []message
		// One message a call: the redrive must ask until the queue is empty.
		if q.delivered < len(q.bodies) {
			b := q.bodies[q.delivered]
			sum := md5.Sum([]byte(b)) //nolint:gosec // G401: SQS's MD5OfMessageBody, not security
			msgs = append(msgs, message{MessageId: "m", ReceiptHandle: fmt.Sprintf("handle-%d", q.delivered+1), Body: b, MD5OfBody: hex.EncodeToString(sum[:])})
			q.delivered++
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Messages": msgs})
	case "AmazonSQS.DeleteMessage":
		var in struct{ ReceiptHandle string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		q.deleted = append(q.deleted, in.ReceiptHandle)
		_, _ = w.Write([]byte("{}"))
	default:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type": "UnsupportedOperation", "message": "not faked"}`))
	}
}

// TestQueueReceivesEveryMessageAndDeletesByHandle: the on-failure queue is
// read until it answers no message, each body read as Lambda's on-failure
// record, and a record is deleted by its receipt handle.
func TestQueueReceivesEveryMessageAndDeletesByHandle(t *testing.T) {
	record := func(start string) string {
		return `{"requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11}, "version": "1.0",
			"timestamp": "2026-01-02T03:04:05.000Z", "DDBStreamBatchInfo": {"shardId": "shardId-1", "startSequenceNumber": "` + start +
			`", "endSequenceNumber": "9", "batchSize": 2, "streamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/1",
			"approximateArrivalOfFirstRecord": "2026-01-02T03:04:00Z", "approximateArrivalOfLastRecord": "2026-01-02T03:04:01Z"}}` + "\n"
	}
	fake := &fakeQueue{bodies: []string{record("1"), record("2")}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	q := &queue{client: client, url: srv.URL + "/123456789012/failures", hide: time.Minute}
	ctx := context.Background()
	got, err := q.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Record.DDBStreamBatchInfo.StartSequenceNumber != "2" || got[1].Handle != "handle-2" ||
		got[0].Record.DDBStreamBatchInfo.ApproximateArrivalOfFirstRecord.IsZero() {
		t.Fatalf("received %+v, want both records", got)
	}
	if err := q.Delete(ctx, got[1]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fake.deleted, []string{"handle-2"}) {
		t.Errorf("deleted %v, want handle-2", fake.deleted)
	}
}

// TestHelpSucceeds: -h prints the flags and is no error.
func TestHelpSucceeds(t *testing.T) {
	if err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, nil); err == nil || err.Error() != "flag: help requested" {
		t.Errorf("run -h: %v, want flag.ErrHelp", err)
	}
}
