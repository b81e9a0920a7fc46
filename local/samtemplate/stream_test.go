package samtemplate

import (
	"testing"
	"time"
)

// TestStreamEvents reads template.yaml's DynamoDB event, with the
// parameters' defaults and with a parameter given.
func TestStreamEvents(t *testing.T) {
	tpl, err := FindAndLoad(".")
	if err != nil {
		t.Fatal(err)
	}
	want := StreamEvent{Function: "PublishProfileEvents", Table: "Table", StartingPosition: "TRIM_HORIZON", BatchSize: 100,
		BatchingWindow: time.Second, ReportBatchItemFailures: true, Bisect: true, MaxRetries: 10, Timeout: 30 * time.Second}
	r := tpl.Resolver()
	evs, err := r.StreamEvents()
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0] != want {
		t.Fatalf("StreamEvents() = %+v, want [%+v]", evs, want)
	}
	r.Params["EventBatchSize"], r.Params["EventBatchingWindow"] = "10", "0"
	if evs, err = r.StreamEvents(); err != nil || evs[0].BatchSize != 10 || evs[0].BatchingWindow != 0 {
		t.Errorf("with EventBatchSize 10 and EventBatchingWindow 0: %+v, %v", evs, err)
	}
}
