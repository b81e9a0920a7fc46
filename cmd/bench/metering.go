package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/local/meter"
)

// capacityHeader, on a request to the bench's API, asks for what the
// request cost, summed over every DynamoDB call it made (local/meter); the
// answer carries it in the same header as "<read> <write> <calls>", calls
// as Operation:n,... .
const capacityHeader = "Bench-Capacity"

// withCapacity meters, for a request that carries capacityHeader, every
// DynamoDB call the handlers make for it (the authorizer's included), and
// answers the totals in that header. The gateway writes its response only after the function
// returned, so the count is complete when the header is written.
func withCapacity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(capacityHeader) == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, m := meter.Start(r.Context())
		next.ServeHTTP(&capacityWriter{ResponseWriter: w, meter: m}, r.WithContext(ctx))
	})
}

type capacityWriter struct {
	http.ResponseWriter
	meter *meter.Meter
	wrote bool
}

func (w *capacityWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		u := w.meter.Usage()
		var calls []string
		for _, op := range slices.Sorted(maps.Keys(u.Calls)) {
			calls = append(calls, op+":"+strconv.Itoa(u.Calls[op]))
		}
		w.Header().Set(capacityHeader, fmt.Sprintf("%s %s %s", num(u.Read), num(u.Write), strings.Join(calls, ",")))
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *capacityWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// cost is what one request cost: its capacity units and calls.
type cost struct {
	read, write float64
	calls       string // Operation:n,...
}

// costKey is the context key of the *cost a request's answer fills in.
type costKey struct{}

// meteredTransport is the bench's HTTP transport: a request whose context
// carries a *cost (costOf) asks the bench's API with capacityHeader what
// it cost, and the answer fills that cost in. The API clients stay as a
// user builds them; only the transport under them knows the bench's
// header.
type meteredTransport struct{ next http.RoundTripper }

// RoundTrip sends req, metered when its context asks for it.
func (t meteredTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(costKey{}).(*cost)
	if c == nil {
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context()) // a RoundTripper must not change the request it was given
	req.Header.Set(capacityHeader, "1")
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	*c = cost{}
	read, rest, _ := strings.Cut(resp.Header.Get(capacityHeader), " ")
	write, calls, _ := strings.Cut(rest, " ")
	var err1, err2 error
	c.read, err1 = strconv.ParseFloat(read, 64)
	c.write, err2 = strconv.ParseFloat(write, 64)
	if err1 != nil || err2 != nil {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%s %s: no %s in the answer", req.Method, req.URL.Path, capacityHeader)
	}
	c.calls = calls
	return resp, nil
}

// costOf runs f, which sends one request with a client of the bench, and
// returns what that request cost.
func costOf(ctx context.Context, f call) (cost, error) {
	var c cost
	if err := f(context.WithValue(ctx, costKey{}, &c)); err != nil {
		return cost{}, err
	}
	return c, nil
}

// readCapacity is the read capacity f's request consumes, asked three
// times: a page's cost must not vary between identical requests.
func readCapacity(ctx context.Context, what string, f call) (float64, error) {
	var units []float64
	for range 3 {
		c, err := costOf(ctx, f)
		if err != nil {
			return 0, err
		}
		units = append(units, c.read)
	}
	if units[0] != units[1] || units[1] != units[2] {
		return 0, fmt.Errorf("%s: read capacity varies between identical requests: %v", what, units)
	}
	return units[0], nil
}

// getItemOf is the GetItem request the API sends for a GET of path, caught
// on its way to DynamoDB.
func (t *table) getItemOf(ctx context.Context, path, token string) (*dynamodb.GetItemInput, error) {
	ctx, m := meter.Start(ctx)
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	t.api.ServeHTTP(w, req)
	in, ok := m.First("GetItem").(*dynamodb.GetItemInput)
	if w.Code != http.StatusOK || !ok || m.Usage().Total() != 1 {
		return nil, fmt.Errorf("GET %s: %d, %v DynamoDB calls: %s", path, w.Code, m.Usage().Calls, w.Body)
	}
	return in, nil
}
