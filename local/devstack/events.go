package devstack

import (
	"cmp"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/profiles-service/profiles/local/aws/streams"
)

// EventSource is the local event source mapping of template.yaml's
// DynamoDB event (PublishProfileEvents on the table's stream): a poller
// that feeds the stream of the stack's table to that function's handler,
// with the template's settings. from, when set, overrides the starting
// position: make run reads what is written after it starts (LATEST).
func (s *Stack) EventSource(ctx context.Context, from types.ShardIteratorType) (*streams.Poller, error) {
	evs, err := s.Template.Resolver().StreamEvents()
	if err != nil {
		return nil, err
	}
	if len(evs) != 1 {
		return nil, fmt.Errorf("template.yaml has %d DynamoDB events; the local stack feeds one", len(evs))
	}
	ev := evs[0]
	if ev.Table != s.Template.Table.Name {
		return nil, fmt.Errorf("%s reads the stream of %s, which is not the table", ev.Function, ev.Table)
	}
	h, ok := s.Handlers[ev.Function]
	if !ok {
		return nil, fmt.Errorf("no handler of %s", ev.Function)
	}
	arn, err := streams.StreamARN(ctx, s.DB, s.Config.TableName)
	if err != nil {
		return nil, err
	}
	m := streams.Mapping{
		BatchSize: ev.BatchSize, BatchingWindow: ev.BatchingWindow, ReportBatchItemFailures: ev.ReportBatchItemFailures,
		Bisect: ev.Bisect, MaxRetries: ev.MaxRetries, StartingPosition: types.ShardIteratorType(ev.StartingPosition), Timeout: ev.Timeout,
	}
	if from != "" {
		m.StartingPosition = from
	}
	p := streams.New(streams.NewClient(s.AWS, s.Config.Endpoint), arn, h, m)
	// Lambda sends a given-up batch's position to the on-failure queue;
	// locally it goes to a file, for make redrive.
	p.OnFailure = streams.NewFailureFile(cmp.Or(s.StreamFailures, streams.DefaultFailureFile)).Append
	return p, nil
}
