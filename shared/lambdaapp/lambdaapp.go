// Package lambdaapp wires a function: configuration, the DynamoDB client,
// the store and the function's own routes behind the API Gateway HTTP API
// (v2) adapter. Each functions/<name>/main.go calls Start.
package lambdaapp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/logging"
	"github.com/profiles-service/profiles/shared/retention"
)

// Start runs the named function in the Lambda runtime.
func Start(function string) {
	slog.SetDefault(logging.New(os.Stdout))
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		slog.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	deps, err := NewDeps(context.Background(), cfg)
	if err != nil {
		slog.Error("startup", "error", err.Error())
		os.Exit(1)
	}
	h, err := Handler(deps, function)
	if err != nil {
		slog.Error("startup", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}

// Deps are what every function needs: the HTTP handlers' dependencies and
// the retention job.
type Deps struct {
	api.Deps
	Retention retention.Job
}

// NewDeps builds what the handlers need from the configuration.
func NewDeps(ctx context.Context, cfg config.Config) (Deps, error) {
	db, err := dynamo.NewClient(ctx, cfg.Endpoint, cfg.Region)
	if err != nil {
		return Deps{}, err
	}
	return DepsFor(db, cfg), nil
}

// DepsFor builds the handlers' dependencies on an existing client.
func DepsFor(db *dynamodb.Client, cfg config.Config) Deps {
	store := dynamo.New(db, cfg.TableName, cfg.ListShards)
	return Deps{
		Deps: api.Deps{
			Store:        store,
			Keys:         store,
			Idempotency:  store,
			CursorSecret: cfg.CursorSecret,
			Timeout:      cfg.RequestTimeout,
		},
		// The margin leaves time to log the summary before the Lambda's deadline.
		Retention: retention.Job{Store: store, Days: cfg.RetentionDays, Margin: 5 * time.Second},
	}
}

// RetentionFunction is the scheduled retention job.
const RetentionFunction = "RetentionPurge"

// Handler is the named function's Lambda handler: it takes the raw event as
// Lambda delivers it and returns the raw response, so the local gateway and
// make invoke run exactly what runs in AWS.
func Handler(deps Deps, function string) (lambda.Handler, error) {
	switch function {
	case api.AuthorizerFunction:
		return jsonHandler[events.APIGatewayV2CustomAuthorizerV2Request, events.APIGatewayV2CustomAuthorizerSimpleResponse](
			api.Authorizer(deps.Keys)), nil
	case RetentionFunction:
		return jsonHandler[json.RawMessage, retention.Summary](deps.Retention.Handler), nil
	}
	if !slices.Contains(api.Functions(), function) {
		return nil, fmt.Errorf("unknown function %q", function)
	}
	return jsonHandler[events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse](
		httpadapter.NewV2(api.NewServer(deps.Deps, function)).ProxyWithContext), nil
}

// jsonHandler is a Lambda handler made from a typed function: it decodes
// the event and encodes the result itself. lambda.NewHandler would do the
// same by reflection, slower, and hands back a buffer it reuses, which
// races when the local gateway invokes one handler concurrently.
type jsonHandler[E, R any] func(context.Context, E) (R, error)

// Invoke runs the function on a raw event and returns the raw result.
func (f jsonHandler[E, R]) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var event E
	if err := json.Unmarshal(payload, &event); err != nil {
		return nil, err
	}
	resp, err := f(ctx, event)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}
