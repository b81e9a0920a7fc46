package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestQuantileIsNearestRank(t *testing.T) {
	var l latencies
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond, 0.001: time.Millisecond} {
		if got := l.quantile(q); got != want {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
	if l[0] != 100*time.Millisecond {
		t.Error("quantile sorted the series in place")
	}
}

func TestTableRendersEverySection(t *testing.T) {
	r := &report{}
	var out strings.Builder
	r.describeMachine("at start")
	if err := r.flush(&out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(out.String(), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[2], "| 0 machine |") {
		t.Fatalf("the first flush is not the header and the machine:\n%s", out.String())
	}
	// One section's run may add rows of two sections: flush groups them.
	r.add("7 sharding", "a | b", "1")
	for _, s := range []string{"1 overhead", "2 listing", "3 adversarial listings", "4 writes", "5 endpoint costs", "6 cold start", bulkSection} {
		r.check(s, "x", "1 ms", "≤ 2 ms", s != "4 writes")
	}
	r.describeMachine("at end")
	if err := r.flush(&out); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	if table != r.markdown() {
		t.Errorf("flushed:\n%s\nmarkdown:\n%s", table, r.markdown())
	}
	if err := checkTable(table, r); err != nil {
		t.Fatalf("%v\n%s", err, table)
	}
	lines := strings.Split(table, "\n")
	if !strings.HasPrefix(lines[3], "| 0 machine |") || !strings.HasPrefix(lines[4], "| 1 overhead |") ||
		!strings.HasPrefix(lines[10], "| 7 sharding | a \\| b |") || !strings.Contains(lines[3], "at end") {
		t.Errorf("rows out of order:\n%s", table)
	}
	if !strings.Contains(table, "**no**") {
		t.Errorf("a missed target is not marked:\n%s", table)
	}
	r.rows = slices.DeleteFunc(r.rows, func(w row) bool { return w.section == "7 sharding" })
	if err := checkTable(r.markdown(), r); err == nil {
		t.Error("a table without the sharding section passed the check")
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{7: "7", 1000: "1,000", 20000: "20,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDatasetProfilesHaveOneShape(t *testing.T) {
	// dataset's profiles all encode to items of one size, so a page's read
	// capacity depends on how many items it reads only.
	ps := dataset(3, time.Now())
	for _, p := range ps[1:] {
		if len(p.FirstName) != len(ps[0].FirstName) || len(p.LastName) != len(ps[0].LastName) || len(p.Contacts) != 3 {
			t.Fatalf("profiles of different shapes: %+v / %+v", ps[0], p)
		}
	}
}
