package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is what the proxy does to a request before it reaches DynamoDB.
type Fault int

// The faults a FaultProxy injects. Each acts before the request is
// forwarded, so a failed call never reaches the table: what the table holds
// afterwards is exactly what was acknowledged.
const (
	Pass     Fault = iota // forward untouched
	Throttle              // answer 400 ThrottlingException, as DynamoDB does
	Reset                 // close the connection without an answer
	Slow                  // wait Delay, then forward
	Internal              // answer 500 InternalServerError
	// Late holds each write transaction for Delay and then applies it even
	// though the client has given up: the one fault that acts after the
	// request is sent, the case of a write whose outcome is unknown.
	// LateWrites tells what DynamoDB answered each.
	Late
	// ResetWrites closes the connection of each write transaction without
	// forwarding it, and passes every other call: a write whose outcome the
	// client cannot know, which never lands.
	ResetWrites
	// LoseAnswers forwards each write transaction, so DynamoDB applies it,
	// then closes the connection without its answer, the first Delay
	// times (as a count: time.Duration(n)) its ClientRequestToken is seen:
	// a write that landed though its client cannot know.
	LoseAnswers
	// SlowDB is a slow database: every write transaction is forwarded at
	// once (DynamoDB applies it), then its answer is held for Delay with
	// probability Rate (past a request's deadline, for a long Delay), or
	// for a random 0–50 ms otherwise; every other call is delayed 0–50 ms.
	SlowDB
	// ThrottleWrites throttles each write transaction (as Throttle) and
	// passes every other call.
	ThrottleWrites
	// Conflict answers a write transaction with TransactionCanceledException
	// for a TransactionConflict, without forwarding it, as DynamoDB does
	// when another transaction holds one of its items (DynamoDB Local
	// serialises transactions and never does); other calls pass.
	Conflict
	// LagIndex makes a Query of a list index (partitioned by listPK) see
	// the table a moment late, as DynamoDB's indexes may and DynamoDB
	// Local's never do: an entry that the same index partition answered
	// within the last Delay and has left since (its profile was disabled
	// or enabled, changed its sort key, or was deleted) comes back with
	// probability Rate, in its place in the order, within the range the
	// answer covers. Other calls pass.
	LagIndex
	// UnknownOutcomes makes the outcome of some writes truly unknown, and
	// the look-up that would settle a keyed retry fail: with probability
	// Rate per ClientRequestToken, every call carrying that token is held
	// for Delay (longer than the store waits for one call) and then
	// applied, so the write lands though no answer reaches the store in
	// time; and every GetItem of an Idempotency-Key's record has its
	// connection closed (the SDK's own retries too). Other calls pass. A
	// keyed retry then often finds what its first attempt made (a 409,
	// say) and cannot read the key's record.
	UnknownOutcomes
)

// FaultProxy stands between the service and DynamoDB Local and injects
// real network faults, with probability Rate per request.
type FaultProxy struct {
	URL   string
	mu    sync.Mutex
	fault Fault
	rate  float64
	delay time.Duration
	held  int            // writes the Late fault has held so far
	late  []LateWrite    // what DynamoDB answered the held writes once forwarded
	seen  map[string]int // LoseAnswers: how often each token came
	// UnknownOutcomes: whether each token's calls are held.
	holdToken map[string]bool
	// only, when set, limits the faults to the write transactions whose
	// request holds it (OnlyWritesHolding); every other call passes.
	only []byte
	// LagIndex: each list index's key attributes (from template.yaml),
	// and the entries each index partition answered lately.
	indexKeys map[string]string                // index name → its range key; only indexes partitioned by listPK
	answered  map[string]map[string]indexEntry // index and listPK → entry id → entry
	lagged    int                              // entries LagIndex answered again
}

// LateWrite is what became of a write transaction the Late fault held and
// then forwarded to DynamoDB after its client had given up.
type LateWrite struct {
	Status int    // the HTTP status of DynamoDB's answer; 0 when none came
	Type   string // the __type of an error answer, e.g. "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
	Body   string // the answer
	Err    error  // why no answer came
}

// Refused reports whether DynamoDB refused the write on its conditions (a
// transaction cancelled by a failed condition), so it did not apply.
func (lw LateWrite) Refused() bool {
	return lw.Status == http.StatusBadRequest &&
		(strings.HasSuffix(lw.Type, "#TransactionCanceledException") && strings.Contains(lw.Body, "ConditionalCheckFailed") ||
			strings.HasSuffix(lw.Type, "#ConditionalCheckFailedException"))
}

// NewFaultProxy starts a proxy to the DynamoDB Local endpoint.
func NewFaultProxy(tb testing.TB, target string) *FaultProxy {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	fp := &FaultProxy{indexKeys: listIndexes(tb), answered: map[string]map[string]indexEntry{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fp.mu.Lock()
		fault, rate, delay, only := fp.fault, fp.rate, fp.delay, fp.only
		fp.mu.Unlock()
		if only != nil {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".TransactWriteItems") || !bytes.Contains(body, only) {
				rp.ServeHTTP(w, r)
				return
			}
		}
		if fault == Late && strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".TransactWriteItems") && rand.Float64() < rate {
			fp.mu.Lock()
			fp.held++
			fp.mu.Unlock()
			body, err := io.ReadAll(r.Body)
			var lw LateWrite
			if err == nil {
				time.Sleep(delay)
				lw = forward(target, r, body)
			} else {
				lw.Err = err
			}
			fp.mu.Lock()
			fp.late = append(fp.late, lw)
			fp.mu.Unlock()
			return
		}
		isWrite := strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".TransactWriteItems")
		if fault == UnknownOutcomes {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			switch {
			case isWrite:
				var in struct{ ClientRequestToken string }
				_ = json.Unmarshal(body, &in)
				fp.mu.Lock()
				if fp.holdToken == nil {
					fp.holdToken = map[string]bool{}
				}
				hold, decided := fp.holdToken[in.ClientRequestToken]
				if !decided {
					hold = rand.Float64() < rate
					fp.holdToken[in.ClientRequestToken] = hold
				}
				fp.mu.Unlock()
				if hold {
					time.Sleep(delay)
					_ = forward(target, r, body)
					return
				}
				fault = Pass
			case strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetItem") && bytes.Contains(body, []byte(`"IDEMPOTENCY#`)):
				fault, rate = Reset, 1
			default:
				fault = Pass
			}
		}
		if fault == LagIndex {
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".Query") {
				fp.lagQuery(w, r, target, rate, delay)
				return
			}
			fault = Pass
		}
		if fault == SlowDB {
			slowAnswer(w, r, target, isWrite && rand.Float64() < rate, delay)
			return
		}
		if fault == LoseAnswers && isWrite {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			var in struct{ ClientRequestToken string }
			_ = json.Unmarshal(body, &in)
			fp.mu.Lock()
			if fp.seen == nil {
				fp.seen = map[string]int{}
			}
			fp.seen[in.ClientRequestToken]++
			lose := fp.seen[in.ClientRequestToken] <= int(delay)
			fp.mu.Unlock()
			if !lose {
				r.Body = io.NopCloser(bytes.NewReader(body))
				rp.ServeHTTP(w, r)
				return
			}
			_ = forward(target, r, body)
			fault = Reset
		}
		if fault == LoseAnswers || (fault == Conflict || fault == ThrottleWrites) && !isWrite {
			fault = Pass
		}
		if fault == ThrottleWrites {
			fault = Throttle
		}
		if fault == ResetWrites && !isWrite {
			fault = Pass
		}
		if fault == ResetWrites {
			fault = Reset
		}
		if fault != Pass && fault != Late && rand.Float64() < rate {
			switch fault {
			case Throttle:
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}`))
				return
			case Conflict:
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",` +
					`"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]",` +
					`"CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}`))
				return
			case Internal:
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`))
				return
			case Reset:
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						_ = conn.Close()
						return
					}
				}
				panic(http.ErrAbortHandler)
			case Slow:
				// Read the body first: only then does the server watch the
				// connection, and end r's context when the client hangs up.
				body, err := io.ReadAll(r.Body)
				if err != nil {
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				select {
				case <-time.After(delay):
				case <-r.Context().Done():
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	fp.URL = srv.URL
	return fp
}

// slowAnswer forwards the request at once and answers what DynamoDB
// answered after holding it for hold (when late) or 0–50 ms, whether or
// not the client still waits.
func slowAnswer(w http.ResponseWriter, r *http.Request, target string, late bool, hold time.Duration) {
	_, resp, answer, ok := relay(context.Background(), target, r)
	if !ok {
		return
	}
	if !late {
		hold = time.Duration(rand.Int64N(int64(50 * time.Millisecond)))
	}
	select {
	case <-time.After(hold):
	case <-r.Context().Done():
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// relay reads r's body, sends the request on to DynamoDB under ctx and
// reads DynamoDB's answer (resp's body, already closed). ok is false when
// r's body could not be read; a failed round trip aborts r's connection, as
// a lost answer would.
func relay(ctx context.Context, target string, r *http.Request) (body []byte, resp *http.Response, answer []byte, ok bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, nil, false
	}
	resp, err = http.DefaultTransport.RoundTrip(forwarded(ctx, target, r, body))
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer resp.Body.Close()
	answer, err = io.ReadAll(resp.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	return body, resp, answer, true
}

// forwarded is the request, with the body, as sent on to DynamoDB.
func forwarded(ctx context.Context, target string, r *http.Request, body []byte) *http.Request {
	out, _ := http.NewRequestWithContext(ctx, r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
	out.Header = r.Header.Clone()
	return out
}

// forward sends the request, with the body, to DynamoDB whether or not its
// client still waits, and tells what DynamoDB answered.
func forward(target string, r *http.Request, body []byte) LateWrite {
	resp, err := http.DefaultTransport.RoundTrip(forwarded(context.Background(), target, r, body))
	if err != nil {
		return LateWrite{Err: err}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	lw := LateWrite{Status: resp.StatusCode, Body: string(answer), Err: err}
	var e struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(answer, &e) == nil {
		lw.Type = e.Type
	}
	return lw
}

// LateWrites waits until every write the Late fault has held so far has
// been forwarded, at most timeout, and returns what DynamoDB answered each,
// in the order they were forwarded. done is false when some were still
// held at the timeout.
func (fp *FaultProxy) LateWrites(timeout time.Duration) (writes []LateWrite, done bool) {
	deadline := time.Now().Add(timeout)
	for {
		fp.mu.Lock()
		writes, done = append([]LateWrite(nil), fp.late...), len(fp.late) == fp.held
		fp.mu.Unlock()
		if done || time.Now().After(deadline) {
			return writes, done
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// OnlyWritesHolding limits the faults to the write transactions whose
// request body holds s (a value one item writes, say), so one write of
// many can fail; "" lifts the limit.
func (fp *FaultProxy) OnlyWritesHolding(s string) {
	fp.mu.Lock()
	fp.only = nil
	if s != "" {
		fp.only = []byte(s)
	}
	fp.mu.Unlock()
}

// Set makes the proxy inject fault with probability rate (Slow waits delay).
func (fp *FaultProxy) Set(fault Fault, rate float64, delay time.Duration) {
	fp.mu.Lock()
	fp.fault, fp.rate, fp.delay = fault, rate, delay
	fp.mu.Unlock()
}
