package testenv

import (
	"bytes"
	"context"
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
	Late
	// ResetWrites closes the connection of each write transaction without
	// forwarding it, and passes every other call: a write whose outcome the
	// client cannot know, so the store settles it (its fence).
	ResetWrites
)

// FaultProxy stands between the service and DynamoDB Local and injects
// real network faults, with probability Rate per request.
type FaultProxy struct {
	URL   string
	mu    sync.Mutex
	fault Fault
	rate  float64
	delay time.Duration
}

// NewFaultProxy starts a proxy to the DynamoDB Local endpoint.
func NewFaultProxy(tb testing.TB, target string) *FaultProxy {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	fp := &FaultProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fp.mu.Lock()
		fault, rate, delay := fp.fault, fp.rate, fp.delay
		fp.mu.Unlock()
		if fault == Late && strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".TransactWriteItems") && rand.Float64() < rate {
			body, _ := io.ReadAll(r.Body)
			time.Sleep(delay)
			late, _ := http.NewRequestWithContext(context.Background(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
			late.Header = r.Header.Clone()
			if resp, err := http.DefaultTransport.RoundTrip(late); err == nil {
				_ = resp.Body.Close()
			}
			return
		}
		if fault == ResetWrites && !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".TransactWriteItems") {
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

// Set makes the proxy inject fault with probability rate (Slow waits delay).
func (fp *FaultProxy) Set(fault Fault, rate float64, delay time.Duration) {
	fp.mu.Lock()
	fp.fault, fp.rate, fp.delay = fault, rate, delay
	fp.mu.Unlock()
}
