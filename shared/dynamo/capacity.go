package dynamo

import (
	"context"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/profiles-service/profiles/shared/metrics"
)

// capacityMiddleware asks every call for its consumed capacity
// (ReturnConsumedCapacity TOTAL, which costs nothing) and records the call,
// its duration (the SDK's retries included) and its capacity in the
// invocation's metrics, for the request log and the EMF line.
var capacityMiddleware = middleware.InitializeMiddlewareFunc("ConsumedCapacity", func(ctx context.Context,
	in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	AskConsumedCapacity(in.Parameters)
	start := time.Now()
	out, md, err := next.HandleInitialize(ctx, in)
	c := metrics.Call{Operation: middleware.GetOperationName(ctx), DurationMs: float64(time.Since(start).Microseconds()) / 1000, Error: err != nil}
	if err == nil {
		c.RCU, c.WCU = ConsumedCapacity(c.Operation, out.Result)
	}
	metrics.AddCall(ctx, c)
	return out, md, err
})

// addCapacityMiddleware is the client option that installs it, after any
// middleware of the configuration (local/meter reads the input as the
// store built it, before this one changes it).
func addCapacityMiddleware(s *middleware.Stack) error {
	return s.Initialize.Add(capacityMiddleware, middleware.After)
}

// AskConsumedCapacity sets an input's ReturnConsumedCapacity to TOTAL, on
// every operation that has one (the SDK's inputs share the field, not a
// type).
func AskConsumedCapacity(input any) {
	v := reflect.ValueOf(input)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	if f := v.Elem().FieldByName("ReturnConsumedCapacity"); f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(types.ReturnConsumedCapacityTotal))
	}
}

// ConsumedCapacity is the read and write capacity an operation's output
// reports (its ConsumedCapacity: one, or one per table). DynamoDB reports a
// total per call (CapacityUnits); reads consume read units and writes write
// units, so the operation says which.
func ConsumedCapacity(op string, output any) (read, write float64) {
	units := 0.0
	v := reflect.ValueOf(output)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Elem().FieldByName("ConsumedCapacity").IsValid() {
		switch cc := v.Elem().FieldByName("ConsumedCapacity").Interface().(type) {
		case *types.ConsumedCapacity:
			if cc != nil {
				units = aws.ToFloat64(cc.CapacityUnits)
			}
		case []types.ConsumedCapacity:
			for _, c := range cc {
				units += aws.ToFloat64(c.CapacityUnits)
			}
		}
	}
	switch op {
	case "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems":
		return units, 0
	}
	return 0, units
}
