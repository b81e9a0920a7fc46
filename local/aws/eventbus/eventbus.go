// Package eventbus is a local stand-in for an EventBridge bus, for tests:
// an HTTP server that speaks EventBridge's PutEvents action (the AWS JSON
// 1.1 protocol, X-Amz-Target AWSEvents.PutEvents), records every entry it
// accepts, and fails the entries a test chooses, as EventBridge reports a
// partial failure: FailedEntryCount, and an ErrorCode and ErrorMessage in
// the failed entries' places. The real SDK client sends to it (its
// BaseEndpoint). Only tests import it.
//
// The action and its partial failures are those of the Amazon EventBridge
// API Reference, "PutEvents" (its response's FailedEntryCount and Entries).
package eventbus

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Entry is one event the bus got.
type Entry struct {
	EventID    string // the id the bus gave it (accepted entries only)
	Bus        string
	Source     string
	DetailType string
	Detail     string
	Time       time.Time
}

// Bus is a running stand-in.
type Bus struct {
	URL   string
	mu    sync.Mutex
	got   []Entry
	calls [][]Entry
	fail  func(Entry) bool
}

// Start runs a bus until the test ends.
func Start(tb testing.TB) *Bus {
	tb.Helper()
	b := &Bus{}
	srv := httptest.NewServer(http.HandlerFunc(b.serve))
	tb.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

// FailWhen makes the bus fail each entry for which fail is true (with
// InternalFailure, which EventBridge names retryable); nil fails none.
// fail is called once per entry, under the bus's lock.
func (b *Bus) FailWhen(fail func(Entry) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail = fail
}

// Accepted is every entry accepted so far, in the order accepted.
func (b *Bus) Accepted() []Entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Entry(nil), b.got...)
}

// Calls is every PutEvents call's entries, failed ones included.
func (b *Bus) Calls() [][]Entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]Entry(nil), b.calls...)
}

// Delivered is an accepted entry as EventBridge delivers it to a rule's
// target: the envelope it adds, around the entry's detail.
func (e Entry) Delivered() []byte {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": e.EventID, "detail-type": e.DetailType, "source": e.Source,
		"account": "123456789012", "time": e.Time.UTC().Format(time.RFC3339), "region": "us-east-1",
		"resources": []string{}, "detail": json.RawMessage(e.Detail),
	})
	return b
}

// putEventsRequest is the PutEvents request; Time is in epoch seconds, as
// the AWS JSON protocols send timestamps.
type putEventsRequest struct {
	Entries []struct {
		Source       string
		DetailType   string
		Detail       string
		EventBusName string
		Time         *float64
	}
}

type resultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

func (b *Bus) serve(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "AWSEvents.PutEvents" {
		awsError(w, "UnknownOperationException", fmt.Sprintf("this bus speaks AWSEvents.PutEvents only, not %q", target))
		return
	}
	body, err := io.ReadAll(r.Body)
	var req putEventsRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		awsError(w, "SerializationException", err.Error())
		return
	}
	// PutEvents takes 1 to 10 entries (API_PutEvents: Entries).
	if n := len(req.Entries); n < 1 || n > 10 {
		awsError(w, "ValidationException", fmt.Sprintf("%d entries: PutEvents takes 1 to 10", n))
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	resp := struct {
		FailedEntryCount int
		Entries          []resultEntry
	}{}
	var call []Entry
	for _, in := range req.Entries {
		e := Entry{Bus: in.EventBusName, Source: in.Source, DetailType: in.DetailType, Detail: in.Detail, Time: time.Now().UTC()}
		if in.Time != nil {
			sec, frac := math.Modf(*in.Time)
			e.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
		}
		call = append(call, e)
		var res resultEntry
		var detail map[string]any
		switch {
		case e.Source == "" || e.DetailType == "" || e.Detail == "":
			res = resultEntry{ErrorCode: "InvalidArgument", ErrorMessage: "Source, DetailType and Detail are required"}
		case json.Unmarshal([]byte(e.Detail), &detail) != nil:
			res = resultEntry{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is not a JSON object"}
		case b.fail != nil && b.fail(e):
			res = resultEntry{ErrorCode: "InternalFailure", ErrorMessage: "failed on the test's demand"}
		default:
			e.EventID = newID()
			b.got = append(b.got, e)
			res = resultEntry{EventID: e.EventID}
		}
		if res.ErrorCode != "" {
			resp.FailedEntryCount++
		}
		resp.Entries = append(resp.Entries, res)
	}
	b.calls = append(b.calls, call)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(resp)
}

// awsError answers as an AWS JSON 1.1 service does with a client error.
func awsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// newID is a random UUID (version 4), as EventBridge's event ids are.
func newID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
