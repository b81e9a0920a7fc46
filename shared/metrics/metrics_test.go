package metrics

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// checkEMF holds one line to the Embedded Metric Format specification
// (CloudWatch User Guide, "Specification: Embedded metric format"): a JSON
// object whose _aws member has a Timestamp (ms since the epoch) and
// CloudWatchMetrics, each with a Namespace, Dimensions (sets of at most 30
// keys, each a top-level string member) and at most 100 Metrics with a
// Name and a valid Unit, each a top-level number member. It returns the
// metrics' names.
func checkEMF(t *testing.T, line []byte) []string {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, line)
	}
	var aws struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	raw, ok := doc["_aws"]
	if !ok {
		t.Fatalf("no _aws member: %s", line)
	}
	if err := json.Unmarshal(raw, &aws); err != nil {
		t.Fatalf("_aws: %v", err)
	}
	if aws.Timestamp == nil || *aws.Timestamp < time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("_aws.Timestamp %v is no time in milliseconds", aws.Timestamp)
	}
	if len(aws.CloudWatchMetrics) == 0 {
		t.Fatalf("no CloudWatchMetrics: %s", line)
	}
	validUnits := []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
		"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
		"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
		"Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}
	var names []string
	for _, d := range aws.CloudWatchMetrics {
		if d.Namespace == "" || len(d.Namespace) > 1024 {
			t.Errorf("Namespace %q", d.Namespace)
		}
		if len(d.Dimensions) == 0 {
			t.Errorf("no Dimensions")
		}
		for _, set := range d.Dimensions {
			if len(set) == 0 || len(set) > 30 {
				t.Errorf("dimension set %v: 1 to 30 keys", set)
			}
			for _, k := range set {
				var v string
				if err := json.Unmarshal(doc[k], &v); err != nil || v == "" {
					t.Errorf("dimension %s has no top-level string value", k)
				}
			}
		}
		if len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			t.Errorf("%d metrics in one directive: 1 to 100", len(d.Metrics))
		}
		for _, m := range d.Metrics {
			if m.Name == "" || len(m.Name) > 1024 {
				t.Errorf("metric name %q", m.Name)
			}
			if !slices.Contains(validUnits, m.Unit) {
				t.Errorf("metric %s: unit %q is not a CloudWatch unit", m.Name, m.Unit)
			}
			var v float64
			if err := json.Unmarshal(doc[m.Name], &v); err != nil {
				t.Errorf("metric %s has no top-level number value: %s", m.Name, doc[m.Name])
			}
			names = append(names, m.Name)
		}
	}
	return names
}

func lines(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, slices.Clone(sc.Bytes()))
	}
	return out
}

func TestLinesAreEMF(t *testing.T) {
	many := map[string]float64{}
	for i := range 250 {
		many[fmt.Sprintf("M%03d", i)] = float64(i)
	}
	every := map[string]float64{}
	for _, n := range Names() {
		every[n] = 1
	}
	for _, tc := range []struct {
		name   string
		route  string
		values map[string]float64
		lines  int
	}{
		{"a request", "GET /profiles/{profileId}", map[string]float64{Requests: 1, Requests2xx: 1, RequestDuration: 12.5, ConsumedRCU: 0.5}, 1},
		{"a job, no route", "", map[string]float64{RetentionExamined: 10, RetentionDeleted: 2}, 1},
		{"every metric", "POST /profiles", every, 1},
		{"over 100 metrics", "GET /profiles", many, 3},
		{"none", "GET /profiles", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := NewEmitter(&buf, "profiles-GetProfile-ABC")
			_, s := Start(context.Background())
			s.SetRoute(tc.route)
			for k, v := range tc.values {
				s.Add(k, v)
			}
			if err := e.Write(s); err != nil {
				t.Fatal(err)
			}
			ls := lines(t, buf.Bytes())
			if len(ls) != tc.lines {
				t.Fatalf("%d lines, want %d", len(ls), tc.lines)
			}
			var got []string
			for _, l := range ls {
				got = append(got, checkEMF(t, l)...)
				var doc map[string]any
				_ = json.Unmarshal(l, &doc)
				if doc[DimFunction] != "profiles-GetProfile-ABC" {
					t.Errorf("Function %v", doc[DimFunction])
				}
				if (tc.route != "") != (doc[DimRoute] != nil) {
					t.Errorf("Route %v, want %q", doc[DimRoute], tc.route)
				}
			}
			if len(got) != len(tc.values) {
				t.Errorf("%d metrics written, want %d", len(got), len(tc.values))
			}
		})
	}
}

func TestAddWithoutASetDoesNothing(t *testing.T) {
	Add(context.Background(), WriteApplied, 1)
	AddCall(context.Background(), Call{Operation: "GetItem"})
}

func TestCallsSumIntoTheirMetrics(t *testing.T) {
	ctx, s := Start(context.Background())
	AddCall(ctx, Call{Operation: "GetItem", DurationMs: 2, RCU: 0.5})
	AddCall(ctx, Call{Operation: "TransactWriteItems", DurationMs: 8, WCU: 4})
	Add(ctx, WriteApplied, 1)
	for name, want := range map[string]float64{DynamoDBCalls: 2, ConsumedRCU: 0.5, ConsumedWCU: 4, WriteApplied: 1} {
		if got := s.Value(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if c := s.Calls(); len(c) != 2 || c[1].Operation != "TransactWriteItems" {
		t.Errorf("calls %+v", c)
	}
}
