package lambdaapp

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/metrics"
	"github.com/profiles-service/profiles/shared/profileevents"
	"github.com/profiles-service/profiles/shared/retention"
)

// HTTP is the function that serves e's routes behind API Gateway's HTTP API
// (payload format 2.0).
func HTTP(e api.Endpoint) Function {
	return Function{Name: e.Name, build: func(ctx context.Context, env Env) (lambda.Handler, error) {
		store := newStore(env)
		deps := api.Deps{Store: store, Idempotency: store, Budget: env.Config.Budget}
		if e.NeedsSecret() {
			secret, err := cursorSecret(ctx, env)
			if err != nil {
				return nil, err
			}
			deps.CursorSecret = secret
		}
		return HTTPHandler(deps, e), nil
	}}
}

// HTTPHandler is the Lambda handler of e's routes on deps: what HTTP runs
// once it has built the store and the cursor secret, and what local/apitest
// runs on its in-memory store, so both invoke the same handler.
func HTTPHandler(deps api.Deps, e api.Endpoint) lambda.Handler {
	return jsonHandler[events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse](
		httpadapter.NewV2(api.NewServer(deps, e)).ProxyWithContext)
}

// APIKeyAuthorizer is the HTTP API's Lambda authorizer of x-api-key.
var APIKeyAuthorizer = Function{Name: "ApiKeyAuthorizer", build: func(_ context.Context, env Env) (lambda.Handler, error) {
	return AuthorizerHandler(newStore(env), env.Config.Budget.Now), nil
}}

// AuthorizerHandler is the Lambda handler of the x-api-key authorizer on
// keys at the clock now: APIKeyAuthorizer's on the table, local/apitest's
// in memory on its test clock.
func AuthorizerHandler(keys auth.Keys, now func() time.Time) lambda.Handler {
	return measured(api.Authorizer(keys, now), nil)
}

// RetentionPurge is the scheduled job that deletes long-disabled profiles.
var RetentionPurge = Function{Name: "RetentionPurge", build: func(_ context.Context, env Env) (lambda.Handler, error) {
	// A purge, one write, has a request's budget, and the run its clock.
	job := retention.Job{Store: newStore(env), Days: env.Config.RetentionDays, Margin: retentionSummaryMargin,
		PurgeTimeout: env.Config.Budget.Timeout, Now: env.Config.Budget.Now}
	return measured(job.Handler, func(set *metrics.Set, s retention.Summary) {
		set.Add(metrics.RetentionExamined, float64(s.Examined))
		set.Add(metrics.RetentionDeleted, float64(s.Deleted))
		set.Add(metrics.RetentionErasuresFinished, float64(s.Finished))
	}), nil
}}

// PublishProfileEvents publishes the profile change events of the table's
// stream (its DynamoDB event source in template.yaml).
var PublishProfileEvents = Function{Name: "PublishProfileEvents", build: func(_ context.Context, env Env) (lambda.Handler, error) {
	sink, err := eventSink(env)
	if err != nil {
		return nil, err
	}
	p := profileevents.Publisher{Sink: sink, Source: env.Config.EventSource, ProfileOf: dynamo.ProfileFromStreamImage, Margin: publishAnswerMargin}
	return measured(p.Handle, nil), nil
}}

// What the functions that serve no HTTP route keep back from their
// Lambda's deadline. Neither is the request's budget (an HTTP function's
// margin is budget.Budget.Margin): each is the time its own function needs
// after its work, and template.yaml's Timeout of each function holds it
// (TestTemplateTimeoutsHoldTheBudget).
const (
	// retentionSummaryMargin leaves RetentionPurge the time to log its
	// run's summary: no read or purge runs into it.
	retentionSummaryMargin = 5 * time.Second
	// publishAnswerMargin leaves PublishProfileEvents the time to answer
	// with the records it did not publish, for Lambda to send again.
	publishAnswerMargin = 2 * time.Second
)

// measured is the Lambda handler of a function that serves no HTTP route:
// each invocation gets its metrics (its DynamoDB calls, and what record
// adds from the result) and writes them as one EMF line at its end.
func measured[E, R any](f func(context.Context, E) (R, error), record func(*metrics.Set, R)) jsonHandler[E, R] {
	return func(ctx context.Context, event E) (R, error) {
		ctx, set := metrics.Start(ctx)
		defer metrics.Flush(set)
		resp, err := f(ctx, event)
		if err == nil && record != nil {
			record(set, resp)
		}
		return resp, err
	}
}

// eventSink is where the events go: locally the events file (or a local
// PutEvents endpoint), in AWS the bus.
func eventSink(env Env) (profileevents.Sink, error) {
	if env.Config.EventsFile != "" {
		return profileevents.NewFile(env.Config.EventsFile), nil
	}
	if env.Config.EventBusName == "" {
		return nil, fmt.Errorf("EVENT_BUS_NAME is not set: PublishProfileEvents puts the events on that bus")
	}
	client := eventbridge.NewFromConfig(env.AWS, func(o *eventbridge.Options) {
		if env.Config.EventBridgeEndpoint != "" {
			o.BaseEndpoint = aws.String(env.Config.EventBridgeEndpoint)
		}
	})
	return profileevents.NewEventBridge(client, env.Config.EventBusName), nil
}

func newStore(env Env) *dynamo.Store {
	db := dynamo.NewClient(env.AWS, env.Config.Endpoint, env.Config.Local)
	return dynamo.New(db, env.Config.TableName, env.Config.ListShards, dynamo.WithBudget(env.Config.Budget))
}
