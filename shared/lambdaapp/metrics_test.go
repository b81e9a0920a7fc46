package lambdaapp

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/metrics"
)

// Functions that run in one process (the local stack) each write their
// EMF lines with their own emitter, so each line names its own function,
// as each Lambda's log does in AWS.
func TestEachFunctionWritesItsOwnMetrics(t *testing.T) {
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"LOCAL_MODE": "1", "TABLE_NAME": "profiles-test", "DYNAMODB_ENDPOINT": "http://127.0.0.1:1",
			"AWS_REGION": "eu-west-1", "CURSOR_SECRET": "0123456789abcdef0123456789abcdef"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	var fallback bytes.Buffer
	metrics.SetDefault(metrics.NewEmitter(&fallback, "default"))
	t.Cleanup(func() { metrics.SetDefault(nil) })

	lines := map[string]*bytes.Buffer{}
	for _, e := range []api.Endpoint{api.GetProfile, api.DeleteProfile} {
		var buf bytes.Buffer
		lines[e.Name] = &buf
		h, err := HTTP(e).Handler(context.Background(), Env{Config: cfg, Metrics: metrics.NewEmitter(&buf, e.Name)})
		if err != nil {
			t.Fatal(err)
		}
		// A path no route of the function serves: a 404 with no DynamoDB call.
		event, _ := json.Marshal(events.APIGatewayV2HTTPRequest{RawPath: "/nowhere", RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/nowhere"}}})
		if _, err := h.Invoke(context.Background(), event); err != nil {
			t.Fatal(err)
		}
	}
	for name, buf := range lines {
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%s wrote %q, not one EMF line: %v", name, buf.String(), err)
		}
		if line[metrics.DimFunction] != name || line[metrics.Requests4xx] != 1.0 {
			t.Errorf("%s's line = %s, want Function %q and one 4xx request", name, buf.String(), name)
		}
	}
	if fallback.Len() != 0 {
		t.Errorf("the default emitter wrote %q: a function with an emitter of its own must not use it", strings.TrimSpace(fallback.String()))
	}
}
