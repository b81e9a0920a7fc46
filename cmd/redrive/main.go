// Command redrive publishes the profile change events of the stream
// batches PublishProfileEvents gave up on (make redrive locally; -aws on
// the deployed stack). Lambda sends such a batch's position (shard and
// sequence numbers, no records) to the on-failure queue; the redrive reads
// those records from the table's stream, which keeps them 24 hours, and
// hands them to the same handler, so each event has the id it would have
// had. A position is deleted only once all its records are published. It
// prints what it redrove and what is left, and fails when something is
// left.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/profiles-service/profiles/local/aws/streams"
	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

func main() {
	// -h prints the flags and succeeds.
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "redrive:", err)
		os.Exit(1)
	}
}

// functionTimeout is PublishProfileEvents' Timeout in template.yaml.
const functionTimeout = 30 * time.Second

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("redrive", flag.ContinueOnError)
	deployed := fs.Bool("aws", false, "the deployed stack: EVENT_FAILURES_QUEUE_URL (the stack's EventFailuresQueueUrl output), "+
		"EVENT_BUS_NAME (its EventBusName output), TABLE_NAME, the default AWS credentials and region")
	file := fs.String("file", streams.DefaultFailureFile, "without -aws: the local on-failure records (make run's event source appends there)")
	batchSize := fs.Int("batch-size", 100, "records per invocation of the publisher at most")
	hide := fs.Duration("visibility", 15*time.Minute, "with -aws: how long a received message stays hidden from other readers (longer than the run)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var (
		failures streams.Failures
		redrive  = streams.Redrive{BatchSize: *batchSize, Timeout: functionTimeout}
		err      error
	)
	if *deployed {
		failures, redrive, err = deployedStack(ctx, getenv, redrive, *hide)
	} else {
		// Nothing waiting: no DynamoDB Local to reach or start.
		waiting, rerr := streams.NewFailureFile(*file).Receive(ctx)
		if rerr != nil || len(waiting) == 0 {
			fmt.Fprintf(stdout, "nothing to redrive in %s\n", *file)
			return rerr
		}
		var stop func()
		failures, redrive, stop, err = localStack(ctx, getenv, redrive, *file, stdout)
		if err == nil {
			defer stop()
		}
	}
	if err != nil {
		return err
	}
	res, err := redrive.All(ctx, failures, stdout)
	if err != nil {
		return err
	}
	if len(res.Left) > 0 {
		return fmt.Errorf("%d batches left in %s", len(res.Left), failures)
	}
	return nil
}

// deployedStack reads the on-failure queue and the stream of the deployed
// table, and publishes to its bus.
func deployedStack(ctx context.Context, getenv func(string) string, r streams.Redrive, hide time.Duration) (streams.Failures, streams.Redrive, error) {
	err := devstack.DeployedEnv(getenv, []devstack.StackOutput{
		{Env: "EVENT_FAILURES_QUEUE_URL", Output: "EventFailuresQueueUrl"},
		{Env: "EVENT_BUS_NAME", Output: "EventBusName"},
		{Env: "TABLE_NAME", Output: "TableName"},
	}, "EVENTS_FILE", "EVENTBRIDGE_ENDPOINT")
	if err != nil {
		return nil, r, err
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return nil, r, err
	}
	awsCfg, err := lambdaapp.AWSConfig(ctx, cfg)
	if err != nil {
		return nil, r, err
	}
	if r.Handler, err = lambdaapp.PublishProfileEvents.Handler(ctx, lambdaapp.Env{Config: cfg, AWS: awsCfg}); err != nil {
		return nil, r, err
	}
	r.Client = dynamodbstreams.NewFromConfig(awsCfg)
	return &queue{client: sqs.NewFromConfig(awsCfg), url: getenv("EVENT_FAILURES_QUEUE_URL"), hide: hide}, r, nil
}

// localStack reads the local failures file and the local table's stream,
// and publishes as make run does; stop stops what it started.
func localStack(ctx context.Context, getenv func(string) string, r streams.Redrive, file string, stdout io.Writer) (
	streams.Failures, streams.Redrive, func(), error) {
	cfg, err := config.FromEnv(devstack.LocalEnv(getenv))
	if err != nil {
		return nil, r, nil, err
	}
	stack, err := devstack.Start(ctx, ".", cfg, devstack.Logf(stdout))
	if err != nil {
		return nil, r, nil, err
	}
	r.Handler = stack.Handlers["PublishProfileEvents"]
	r.Client = streams.NewClient(stack.AWS, cfg.Endpoint)
	return streams.NewFailureFile(file), r, stack.Close, nil
}
