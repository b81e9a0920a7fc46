package lambdaapp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/retention"
)

// HTTP is the function that serves f's routes behind API Gateway's HTTP API
// (payload format 2.0).
func HTTP(f api.Function) Function {
	return Function{Name: f.Name, build: func(ctx context.Context, env Env) (lambda.Handler, error) {
		store := newStore(env)
		deps := api.Deps{Store: store, Idempotency: store, Timeout: env.Config.RequestTimeout}
		if f.Cursors {
			secret, err := cursorSecret(ctx, env)
			if err != nil {
				return nil, err
			}
			deps.CursorSecret = secret
		}
		return jsonHandler[events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse](
			httpadapter.NewV2(api.NewServer(deps, f)).ProxyWithContext), nil
	}}
}

// APIKeyAuthorizer is the HTTP API's Lambda authorizer of x-api-key.
var APIKeyAuthorizer = Function{Name: "ApiKeyAuthorizer", build: func(_ context.Context, env Env) (lambda.Handler, error) {
	return jsonHandler[events.APIGatewayV2CustomAuthorizerV2Request, events.APIGatewayV2CustomAuthorizerSimpleResponse](
		api.Authorizer(newStore(env))), nil
}}

// RetentionPurge is the scheduled job that deletes long-disabled profiles.
var RetentionPurge = Function{Name: "RetentionPurge", build: func(_ context.Context, env Env) (lambda.Handler, error) {
	// The margin leaves time to log the summary before the Lambda's deadline.
	job := retention.Job{Store: newStore(env), Days: env.Config.RetentionDays, Margin: 5 * time.Second}
	return jsonHandler[json.RawMessage, retention.Summary](job.Handler), nil
}}

func newStore(env Env) *dynamo.Store {
	db := dynamo.NewClient(env.AWS, env.Config.Endpoint, env.Config.Local)
	return dynamo.New(db, env.Config.TableName, env.Config.ListShards)
}
