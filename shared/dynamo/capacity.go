package dynamo

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Capacity sums the read capacity units of every read (the list queries and
// the GetItems of Get and of the uuid/userId markers) made with a context
// from CountCapacity: the measure of what a listing or a GET costs.
type Capacity struct {
	mu    sync.Mutex
	units float64
	calls int
}

// Units returns the capacity units consumed so far and the number of calls.
func (c *Capacity) Units() (float64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.units, c.calls
}

type capacityKey struct{}

// CountCapacity returns a context under which reads report their consumed
// capacity into the returned Capacity. Without it, no read asks DynamoDB for
// its consumed capacity.
func CountCapacity(ctx context.Context) (context.Context, *Capacity) {
	c := &Capacity{}
	return context.WithValue(ctx, capacityKey{}, c), c
}

// capacityMode asks for the consumed capacity only when it is counted; the
// empty value leaves the parameter out of the request, as if never set.
func capacityMode(ctx context.Context) types.ReturnConsumedCapacity {
	if ctx.Value(capacityKey{}) != nil {
		return types.ReturnConsumedCapacityTotal
	}
	return ""
}

func addCapacity(ctx context.Context, cc *types.ConsumedCapacity) {
	c, _ := ctx.Value(capacityKey{}).(*Capacity)
	if c == nil || cc == nil {
		return
	}
	c.mu.Lock()
	c.units += aws.ToFloat64(cc.CapacityUnits)
	c.calls++
	c.mu.Unlock()
}
