// Package meter measures what DynamoDB calls cost, from outside the store:
// an SDK middleware that, for calls made under a context from Start, asks
// DynamoDB for the consumed capacity (ReturnConsumedCapacity) and sums it,
// with the number of calls by operation. Calls made without such a context
// are left exactly as the store sent them.
package meter

import (
	"context"
	"maps"
	"reflect"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"

	"github.com/profiles-service/profiles/shared/dynamo"
)

// Meter is what the calls made under one context cost.
type Meter struct {
	mu    sync.Mutex
	read  float64
	write float64
	calls map[string]int
	first map[string]any // the first input of each operation, as the caller sent it
}

// Usage is a Meter's totals.
type Usage struct {
	Read, Write float64        // capacity units
	Calls       map[string]int // calls by operation, e.g. "GetItem": 1
}

// Total is the number of calls.
func (u Usage) Total() int {
	n := 0
	for _, c := range u.Calls {
		n += c
	}
	return n
}

type meterKey struct{}

// Start returns a context under which DynamoDB calls are metered into the
// returned Meter.
func Start(ctx context.Context) (context.Context, *Meter) {
	m := &Meter{calls: map[string]int{}, first: map[string]any{}}
	return context.WithValue(ctx, meterKey{}, m), m
}

// Usage returns the totals so far.
func (m *Meter) Usage() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Usage{Read: m.read, Write: m.write, Calls: maps.Clone(m.calls)}
}

// First returns the first input of the operation sent under the meter, as
// the caller built it (before the meter asked for consumed capacity).
func (m *Meter) First(operation string) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.first[operation]
}

// Install adds the meter's middleware to every client made from cfg.
func Install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("meter", handle), middleware.After)
	})
}

func handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	op := middleware.GetOperationName(ctx)
	if m == nil {
		return next.HandleInitialize(ctx, in)
	}
	m.record(op, in.Parameters)
	askCapacity(in.Parameters)
	out, md, err := next.HandleInitialize(ctx, in)
	if err == nil {
		r, w := consumed(op, out.Result)
		m.mu.Lock()
		m.read += r
		m.write += w
		m.mu.Unlock()
	}
	return out, md, err
}

func (m *Meter) record(op string, input any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[op]++
	if _, ok := m.first[op]; !ok {
		m.first[op] = clone(input)
	}
}

// clone is a shallow copy of the input, so that asking for capacity does
// not show in what First returns.
func clone(input any) any {
	v := reflect.ValueOf(input)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return input
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	return c.Interface()
}

// askCapacity and consumed are the store's own reading of capacity, which
// its client asks for on every call (shared/dynamo, capacity.go): the meter
// asks again only for a client built without it.
var (
	askCapacity = dynamo.AskConsumedCapacity
	consumed    = dynamo.ConsumedCapacity
)
