package samtemplate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// StreamEvent is a function's DynamoDB event, its event source mapping,
// resolved; unset settings have Lambda's defaults.
type StreamEvent struct {
	Function                string
	Table                   string // the logical id of the table whose stream it reads
	StartingPosition        string // TRIM_HORIZON or LATEST
	BatchSize               int    // 100 when unset
	BatchingWindow          time.Duration
	ReportBatchItemFailures bool // FunctionResponseTypes holds ReportBatchItemFailures
	Bisect                  bool // BisectBatchOnFunctionError
	MaxRetries              int  // MaximumRetryAttempts; -1 (until the records expire) when unset
	Timeout                 time.Duration
}

// StreamEvents are the DynamoDB events of every function of the template.
func (r *Resolver) StreamEvents() ([]StreamEvent, error) {
	var out []StreamEvent
	for _, fn := range r.t.Functions {
		events := Field(fn.Properties, "Events")
		if events == nil {
			continue
		}
		for i := 0; i+1 < len(events.Content); i += 2 {
			ev := events.Content[i+1]
			if typ := Field(ev, "Type"); typ == nil || typ.Value != "DynamoDB" {
				continue
			}
			se, err := r.streamEvent(fn, Field(ev, "Properties"))
			if err != nil {
				return nil, fmt.Errorf("%s: event %s: %w", fn.Name, events.Content[i].Value, err)
			}
			out = append(out, se)
		}
	}
	return out, nil
}

func (r *Resolver) streamEvent(fn FunctionResource, props *yaml.Node) (StreamEvent, error) {
	se := StreamEvent{Function: fn.Name, BatchSize: 100, MaxRetries: -1}
	stream := Field(props, "Stream")
	if stream == nil || stream.Tag != "!GetAtt" || !strings.HasSuffix(stream.Value, ".StreamArn") {
		return se, errors.New("the Stream property must be !GetAtt <Table>.StreamArn")
	}
	se.Table = strings.TrimSuffix(stream.Value, ".StreamArn")
	var err error
	if se.StartingPosition, err = r.String(Field(props, "StartingPosition")); err != nil {
		return se, err
	}
	number := func(name string, into *int) {
		if n := Field(props, name); n != nil && err == nil {
			*into, err = r.Number(n)
		}
	}
	number("BatchSize", &se.BatchSize)
	window := 0
	number("MaximumBatchingWindowInSeconds", &window)
	number("MaximumRetryAttempts", &se.MaxRetries)
	if err != nil {
		return se, err
	}
	se.BatchingWindow = time.Duration(window) * time.Second
	types, err := r.Strings(Field(props, "FunctionResponseTypes"))
	if err != nil {
		return se, err
	}
	se.ReportBatchItemFailures = slices.Contains(types, "ReportBatchItemFailures")
	if b := Field(props, "BisectBatchOnFunctionError"); b != nil {
		bisect, err := r.String(b)
		if err != nil {
			return se, err
		}
		se.Bisect = bisect == "true"
	}
	se.Timeout, err = r.Timeout(fn)
	return se, err
}

// Timeout is the function's Timeout, or Globals', or Lambda's default of 3 seconds.
func (r *Resolver) Timeout(fn FunctionResource) (time.Duration, error) {
	n := Field(fn.Properties, "Timeout")
	if n == nil {
		n = Field(r.t.Globals, "Timeout")
	}
	if n == nil {
		return 3 * time.Second, nil
	}
	s, err := r.Number(n)
	return time.Duration(s) * time.Second, err
}
