package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// runtimeAPI is a minimal Lambda Runtime API for one function process: it
// hands out one invocation of the event per token sent on work.
type runtimeAPI struct {
	f         function
	addr      string
	srv       *http.Server
	firstNext chan time.Time
	initError chan string
	work      chan struct{}
	results   chan invocationResult
	once      sync.Once
	seq       int
	mu        sync.Mutex
}

type invocationResult struct {
	status int
	err    string
}

const runtimePrefix = "/2018-06-01/runtime/"

func newRuntimeAPI(f function) (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &runtimeAPI{f: f, addr: ln.Addr().String(), firstNext: make(chan time.Time, 1), initError: make(chan string, 1),
		work: make(chan struct{}), results: make(chan invocationResult, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"invocation/next", a.next)
	mux.HandleFunc("POST "+runtimePrefix+"invocation/{id}/response", a.response)
	mux.HandleFunc("POST "+runtimePrefix+"invocation/{id}/error", a.invocationError)
	mux.HandleFunc("POST "+runtimePrefix+"init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.initError <- string(b)
		w.WriteHeader(http.StatusAccepted)
	})
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func (a *runtimeAPI) close() { _ = a.srv.Close() }

// next is the function asking for work: the first ask ends its init.
func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	a.once.Do(func() { a.firstNext <- now })
	select {
	case <-a.work:
	case <-r.Context().Done():
		return
	}
	a.mu.Lock()
	a.seq++
	id := fmt.Sprintf("bench-%d", a.seq)
	a.mu.Unlock()
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(10*time.Second).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:"+a.f.name)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(a.f.event)
}

func (a *runtimeAPI) response(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var resp struct {
		StatusCode int `json:"statusCode"`
	}
	_ = json.Unmarshal(b, &resp)
	res := invocationResult{status: resp.StatusCode}
	if res.status >= 500 {
		res.err = fmt.Sprintf("status %d: %s", res.status, b)
	}
	w.WriteHeader(http.StatusAccepted)
	a.results <- res
}

func (a *runtimeAPI) invocationError(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.WriteHeader(http.StatusAccepted)
	a.results <- invocationResult{err: string(b)}
}
