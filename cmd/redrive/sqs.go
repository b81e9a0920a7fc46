package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/profiles-service/profiles/local/aws/streams"
)

// queue is the on-failure queue of the stream's event source mapping:
// Lambda sends each batch it gives up on there, as a FailureRecord.
type queue struct {
	client *sqs.Client
	url    string
	// hide is how long a received message stays invisible to other
	// readers: longer than the redrive takes, so it reads each once.
	hide time.Duration
}

func (q *queue) String() string { return q.url }

// Receive takes every message in the queue, until a long poll finds none.
func (q *queue) Receive(ctx context.Context) ([]streams.Failure, error) {
	var out []streams.Failure
	for {
		got, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(q.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 2,
			VisibilityTimeout: visibilitySeconds(q.hide)})
		if err != nil {
			return out, err
		}
		if len(got.Messages) == 0 {
			return out, nil
		}
		for _, m := range got.Messages {
			var r streams.FailureRecord
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &r); err != nil {
				return out, fmt.Errorf("message %s is no on-failure record of a stream: %w", aws.ToString(m.MessageId), err)
			}
			out = append(out, streams.Failure{Record: r, Handle: aws.ToString(m.ReceiptHandle)})
		}
	}
}

// Delete deletes the message.
func (q *queue) Delete(ctx context.Context, f streams.Failure) error {
	_, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(f.Handle)})
	return err
}

// visibilitySeconds is d in whole seconds as SQS takes a visibility
// timeout: 0 to 12 hours, so it fits an int32.
func visibilitySeconds(d time.Duration) int32 {
	s := int64(d / time.Second)
	if s < 0 {
		return 0
	}
	if s > 12*60*60 {
		return 12 * 60 * 60
	}
	return int32(s)
}
