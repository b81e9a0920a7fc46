package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

// TestTraceIDFromTheLambdaContext: the Root of the invocation's
// X-Amzn-Trace-Id, which aws-lambda-go puts in the context under
// "x-amzn-trace-id", is in every line logged under WithTraceID.
func TestTraceIDFromTheLambdaContext(t *testing.T) {
	//nolint:staticcheck // SA1029: the Lambda runtime's own key, a string
	ctx := context.WithValue(context.Background(), "x-amzn-trace-id",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	const want = "1-5759e988-bd862e3fe1be46a994272793"
	if got := TraceID(ctx); got != want {
		t.Fatalf("TraceID %q, want %q", got, want)
	}
	if got := TraceID(context.Background()); got != "" {
		t.Errorf("TraceID outside Lambda %q, want none", got)
	}
	var buf bytes.Buffer
	New(&buf, slog.LevelInfo).InfoContext(WithTraceID(WithRequestID(ctx, "req-1"), TraceID(ctx)), "request")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["traceId"] != want || line["requestId"] != "req-1" {
		t.Errorf("line %s lacks the trace or request id", buf.Bytes())
	}
	if RequestID(WithRequestID(ctx, "req-1")) != "req-1" {
		t.Error("RequestID does not read WithRequestID's id")
	}
}
