// Package metrics gives each invocation of a function its metrics and
// writes them as one CloudWatch Embedded Metric Format (EMF) line to the
// function's log at its end: CloudWatch Logs turns the line into metrics,
// with no call to CloudWatch and no agent. It also keeps the invocation's
// DynamoDB calls (operation, duration, capacity) for the request log.
//
// Every line is in Namespace, with the dimension Function (the function's
// name in AWS); a line of an HTTP request adds a second dimension set,
// Function and Route ("GET /profiles/{profileId}").
package metrics

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric the functions emit.
const Namespace = "ProfilesService"

// The metrics' names. Each is a count (Unit Count) unless it says otherwise.
const (
	// Requests is one per HTTP request; RequestsNxx one per request whose
	// status is in that class.
	Requests    = "Requests"
	Requests2xx = "Requests2xx"
	Requests3xx = "Requests3xx"
	Requests4xx = "Requests4xx"
	Requests5xx = "Requests5xx"
	// RequestDuration is the request's time in the function (Milliseconds).
	RequestDuration = "RequestDuration"
	// DynamoDBCalls is the DynamoDB calls of the invocation (retries by the
	// SDK count once); ConsumedRCU and ConsumedWCU the capacity units they
	// consumed, as DynamoDB reported them.
	DynamoDBCalls = "DynamoDBCalls"
	ConsumedRCU   = "ConsumedRCU"
	ConsumedWCU   = "ConsumedWCU"
	// WriteApplied is a write that took effect; WriteConflictRetried one
	// attempt retried after a transaction conflict; WriteSettled a write
	// whose outcome a deadline or an error left unknown, settled by reading
	// it back; WriteOutcomeUnknown one that stayed unknown (answered 503).
	WriteApplied         = "WriteApplied"
	WriteConflictRetried = "WriteConflictRetried"
	WriteSettled         = "WriteSettled"
	WriteOutcomeUnknown  = "WriteOutcomeUnknown"
	// ListingTooBroad is a listing refused as too broad (422).
	ListingTooBroad = "ListingTooBroad"
	// IdempotentReplay is a request answered with the stored response of an
	// earlier one with the same Idempotency-Key.
	IdempotentReplay = "IdempotentReplay"
	// EventsPublished and EventsFailed are profile change events put on the
	// bus, and the batches that stopped at an event not published (retried).
	EventsPublished = "EventsPublished"
	EventsFailed    = "EventsFailed"
	// RetentionExamined and RetentionDeleted are the profiles the retention
	// job looked at and deleted in a run; RetentionErasuresFinished the
	// erasures cut short (their process died after the mark) it finished.
	RetentionExamined         = "RetentionExamined"
	RetentionDeleted          = "RetentionDeleted"
	RetentionErasuresFinished = "RetentionErasuresFinished"
)

// Units are the EMF units of the metrics that are not counts.
var units = map[string]string{RequestDuration: "Milliseconds"}

// Names is every metric the functions can emit.
func Names() []string {
	return []string{Requests, Requests2xx, Requests3xx, Requests4xx, Requests5xx, RequestDuration,
		DynamoDBCalls, ConsumedRCU, ConsumedWCU,
		WriteApplied, WriteConflictRetried, WriteSettled, WriteOutcomeUnknown,
		ListingTooBroad, IdempotentReplay, EventsPublished, EventsFailed, RetentionExamined, RetentionDeleted, RetentionErasuresFinished}
}

// Dimension names.
const (
	DimFunction = "Function"
	DimRoute    = "Route"
)

// maxPerLine is EMF's limit of metrics in one line's directive.
const maxPerLine = 100

// Call is one DynamoDB call of an invocation.
type Call struct {
	Operation  string  `json:"op"`
	DurationMs float64 `json:"ms"`
	RCU        float64 `json:"rcu,omitempty"`
	WCU        float64 `json:"wcu,omitempty"`
	Error      bool    `json:"error,omitempty"`
}

// Set is one invocation's metrics and calls.
type Set struct {
	mu      sync.Mutex
	route   string
	values  map[string]float64
	calls   []Call
	emitter *Emitter // the function's, from Start's context; nil: the default
}

type (
	setKey     struct{}
	emitterKey struct{}
)

// Start returns a context whose Add and AddCall go to a new Set. Flush
// writes the Set with the emitter of ctx (WithEmitter), else the default.
func Start(ctx context.Context) (context.Context, *Set) {
	s := &Set{values: map[string]float64{}}
	s.emitter, _ = ctx.Value(emitterKey{}).(*Emitter)
	return context.WithValue(ctx, setKey{}, s), s
}

// WithEmitter returns ctx whose invocations' metrics e writes: each
// function's own when several run in one process (the local stack), so
// each line carries its own Function dimension, as in AWS.
func WithEmitter(ctx context.Context, e *Emitter) context.Context {
	return context.WithValue(ctx, emitterKey{}, e)
}

// From is the context's Set, nil when none was started.
func From(ctx context.Context) *Set {
	s, _ := ctx.Value(setKey{}).(*Set)
	return s
}

// Add adds value to the metric of the context's invocation; without one
// (a tool, a test) it does nothing.
func Add(ctx context.Context, name string, value float64) {
	if s := From(ctx); s != nil {
		s.Add(name, value)
	}
}

// AddCall records a DynamoDB call of the context's invocation, and adds it
// to DynamoDBCalls, ConsumedRCU and ConsumedWCU.
func AddCall(ctx context.Context, c Call) {
	s := From(ctx)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.values[DynamoDBCalls]++
	s.values[ConsumedRCU] += c.RCU
	s.values[ConsumedWCU] += c.WCU
}

// Add adds value to the metric.
func (s *Set) Add(name string, value float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[name] += value
}

// SetRoute names the HTTP route the metrics belong to.
func (s *Set) SetRoute(route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.route = route
}

// Calls is the DynamoDB calls so far, in their order.
func (s *Set) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Value is the metric's value so far.
func (s *Set) Value(name string) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[name]
}

// Emitter writes the EMF lines of one function.
type Emitter struct {
	mu       sync.Mutex
	w        io.Writer
	function string
	now      func() time.Time
}

// NewEmitter writes to w (the function's stdout, which Lambda sends to its
// log group) the lines of the function named function.
func NewEmitter(w io.Writer, function string) *Emitter {
	return &Emitter{w: w, function: function, now: time.Now}
}

var (
	defaultMu      sync.Mutex
	defaultEmitter *Emitter
)

// SetDefault makes e the emitter Flush writes with.
func SetDefault(e *Emitter) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	defaultEmitter = e
}

// Flush writes the Set with its context's emitter (WithEmitter), or else
// the default one, when one is set.
func Flush(s *Set) {
	if s == nil {
		return
	}
	e := s.emitter
	if e == nil {
		defaultMu.Lock()
		e = defaultEmitter
		defaultMu.Unlock()
	}
	if e != nil {
		_ = e.Write(s)
	}
}

// Write writes the Set's metrics as EMF lines (more than one only beyond
// 100 metrics). A Set with no metric writes nothing.
func (e *Emitter) Write(s *Set) error {
	s.mu.Lock()
	values := maps.Clone(s.values)
	route := s.route
	s.mu.Unlock()
	names := slices.Sorted(maps.Keys(values))
	for len(names) > 0 {
		n := min(len(names), maxPerLine)
		line, err := e.line(names[:n], values, route)
		if err != nil {
			return err
		}
		e.mu.Lock()
		_, err = e.w.Write(line)
		e.mu.Unlock()
		if err != nil {
			return err
		}
		names = names[n:]
	}
	return nil
}

// directive is an EMF line's _aws member.
type directive struct {
	Timestamp         int64             `json:"Timestamp"`
	CloudWatchMetrics []metricDirective `json:"CloudWatchMetrics"`
}

type metricDirective struct {
	Namespace  string         `json:"Namespace"`
	Dimensions [][]string     `json:"Dimensions"`
	Metrics    []metricDefine `json:"Metrics"`
}

type metricDefine struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// line is one EMF line: the directive, the dimensions' values and the
// metrics' values as top-level members.
func (e *Emitter) line(names []string, values map[string]float64, route string) ([]byte, error) {
	dims := [][]string{{DimFunction}}
	body := map[string]any{DimFunction: e.function}
	if route != "" {
		dims = append(dims, []string{DimFunction, DimRoute})
		body[DimRoute] = route
	}
	defs := make([]metricDefine, 0, len(names))
	for _, name := range names {
		unit := units[name]
		if unit == "" {
			unit = "Count"
		}
		defs = append(defs, metricDefine{Name: name, Unit: unit})
		body[name] = values[name]
	}
	body["_aws"] = directive{
		Timestamp:         e.now().UnixMilli(),
		CloudWatchMetrics: []metricDirective{{Namespace: Namespace, Dimensions: dims, Metrics: defs}},
	}
	line, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return append(line, '\n'), nil
}
