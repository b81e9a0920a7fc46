package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/logging"
	"github.com/profiles-service/profiles/shared/metrics"
)

// TestRequestLogShowsCallsAndCapacity: through the local gateway on
// DynamoDB Local, a request's log line names its DynamoDB calls with their
// durations and capacity, its EMF line counts the request and the capacity
// by route, and the id API Gateway gives it (apigw-requestid) is in the
// problem body and in the log. Not parallel: it swaps the default logger
// and metrics emitter.
func TestRequestLogShowsCallsAndCapacity(t *testing.T) {
	var logs, emf apitest.SafeBuffer
	prev := slog.Default()
	slog.SetDefault(logging.New(&logs, slog.LevelInfo))
	metrics.SetDefault(metrics.NewEmitter(&emf, "local"))
	defer func() {
		slog.SetDefault(prev)
		metrics.SetDefault(nil)
	}()

	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Metered"}`).expect(t, 201, &p)
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, nil)
	missing := a.do("GET", "/profiles/000000000000000000000000", nil)
	prob := missing.expectProblem(t, 404, "")
	var body struct {
		RequestID string `json:"requestId"`
	}
	_ = json.Unmarshal(missing.Body, &body)
	header := missing.Header.Get("Apigw-Requestid")
	if header == "" || body.RequestID != header {
		t.Errorf("problem requestId %q, apigw-requestid header %q: want one id in both (%+v)", body.RequestID, header, prob)
	}
	// The gateway's own answers carry an id too, as API Gateway's do.
	if r := a.as(t, "").do("GET", "/profiles", nil); r.Status != 401 || r.Header.Get("Apigw-Requestid") == "" {
		t.Errorf("the gateway's 401 (status %d) has no apigw-requestid", r.Status)
	}

	type call struct {
		Op  string  `json:"op"`
		Ms  float64 `json:"ms"`
		RCU float64 `json:"rcu"`
		WCU float64 `json:"wcu"`
	}
	byRoute := map[string]struct {
		calls     []call
		rcu, wcu  float64
		requestID string
	}{}
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			Msg       string  `json:"msg"`
			Route     string  `json:"route"`
			RequestID string  `json:"requestId"`
			Calls     []call  `json:"dynamodb"`
			RCU       float64 `json:"rcu"`
			WCU       float64 `json:"wcu"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Msg != "request" {
			continue
		}
		e := byRoute[rec.Route]
		e.calls, e.rcu, e.wcu, e.requestID = rec.Calls, rec.RCU, rec.WCU, rec.RequestID
		byRoute[rec.Route] = e
	}
	create, read := byRoute["POST /profiles"], byRoute["GET /profiles/{profileId}"]
	if len(create.calls) == 0 || create.wcu == 0 {
		t.Errorf("the create's log line: calls %+v, wcu %v", create.calls, create.wcu)
	}
	if len(read.calls) == 0 || read.rcu == 0 {
		t.Errorf("the read's log line: calls %+v, rcu %v", read.calls, read.rcu)
	}
	for _, c := range append(create.calls, read.calls...) {
		if c.Op == "" || c.Ms <= 0 || c.RCU+c.WCU == 0 {
			t.Errorf("call %+v lacks its operation, duration or capacity", c)
		}
	}
	if read.requestID != header {
		t.Errorf("the log's requestId %q, the answer's %q", read.requestID, header)
	}

	seen := map[string]float64{}
	sc = bufio.NewScanner(bytes.NewReader(emf.Bytes()))
	for sc.Scan() {
		var doc map[string]any
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil || doc["_aws"] == nil {
			t.Fatalf("not an EMF line: %s", sc.Bytes())
		}
		if doc[metrics.DimRoute] == "POST /profiles" {
			for _, name := range []string{metrics.Requests, metrics.Requests2xx, metrics.ConsumedWCU, metrics.DynamoDBCalls} {
				v, _ := doc[name].(float64)
				seen[name] += v
			}
		}
		if doc[metrics.DimRoute] == "GET /profiles/{profileId}" {
			v, _ := doc[metrics.Requests4xx].(float64)
			seen[metrics.Requests4xx] += v
		}
	}
	for _, name := range []string{metrics.Requests, metrics.Requests2xx, metrics.ConsumedWCU, metrics.DynamoDBCalls, metrics.Requests4xx} {
		if seen[name] == 0 {
			t.Errorf("no %s in the EMF lines: %s", name, emf.Bytes())
		}
	}
}
