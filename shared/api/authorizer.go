package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/shared/auth"
)

// apiKeyHeader is the authorizer's identity source.
const apiKeyHeader = "x-api-key"

// Authorizer is the HTTP API Lambda authorizer (REQUEST type, payload 2.0,
// simple responses): a known x-api-key, neither revoked nor expired at now
// (time.Now when nil), is authorized and its name passed to the function
// in the request context.
func Authorizer(keys auth.Keys, now func() time.Time) func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		key := req.Headers[apiKeyHeader]
		if key == "" && len(req.IdentitySource) > 0 {
			key = req.IdentitySource[0]
		}
		name, ok, err := auth.CheckAPIKey(ctx, keys, key, now())
		if err != nil {
			slog.ErrorContext(ctx, "api key check failed", "error", err.Error())
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
		}
		resp := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: ok}
		if ok {
			resp.Context = map[string]any{"apiKeyName": name}
		}
		return resp, nil
	}
}
