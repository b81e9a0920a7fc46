package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/metrics"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestEveryCallReportsItsCapacity: on DynamoDB Local, every call of the
// store's client asks for its consumed capacity and lands in the
// invocation's metrics, with its operation, duration and units, without
// the store asking.
func TestEveryCallReportsItsCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("needs DynamoDB Local")
	}
	t.Parallel()
	store := testenv.NewStack(t).Store
	p, err := profile.New(profile.Input{Changes: profile.Changes{
		FirstName: profile.Field[string]{Set: true, Value: "Capacity"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, set := metrics.Start(context.Background())
	if err := store.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	calls := set.Calls()
	if len(calls) < 2 {
		t.Fatalf("calls %+v, want the create's and the read's", calls)
	}
	var rcu, wcu float64
	for _, c := range calls {
		if c.Operation == "" || c.DurationMs <= 0 || c.Error {
			t.Errorf("call %+v: no operation, duration, or an error", c)
		}
		if c.RCU == 0 && c.WCU == 0 {
			t.Errorf("call %+v consumed no capacity: ReturnConsumedCapacity was not asked for", c)
		}
		rcu, wcu = rcu+c.RCU, wcu+c.WCU
	}
	if last := calls[len(calls)-1]; last.Operation != "GetItem" || last.RCU == 0 {
		t.Errorf("the read: %+v", last)
	}
	if set.Value(metrics.ConsumedRCU) != rcu || set.Value(metrics.ConsumedWCU) != wcu || wcu == 0 ||
		set.Value(metrics.DynamoDBCalls) != float64(len(calls)) {
		t.Errorf("totals rcu %v wcu %v calls %v; the calls sum to %v, %v, %d", set.Value(metrics.ConsumedRCU),
			set.Value(metrics.ConsumedWCU), set.Value(metrics.DynamoDBCalls), rcu, wcu, len(calls))
	}
}
