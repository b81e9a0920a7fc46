package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock advances one second a reading, so rates and ETAs are fixed.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func TestNonTerminalWritesALinePerTenth(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		total int64
		adds  []int
		lines []string // each line's start, in order
	}{
		{"one step at a time", 100, repeat(1, 100), []string{"import: 10% (10/100 rows)", "import: 20% (20/100 rows)", "import: 30%",
			"import: 40%", "import: 50%", "import: 60%", "import: 70%", "import: 80%", "import: 90% (90/100 rows)", "import: 100 rows in"}},
		{"a jump past several tenths is one line", 1000, []int{50, 400, 549, 1}, []string{"import: 40% (450/1,000 rows)",
			"import: 90% (999/1,000 rows)", "import: 1,000 rows in"}},
		{"unknown total: only the last line", 0, []int{5, 5}, []string{"import: 10 rows in"}},
		{"nothing done", 10, nil, []string{"import: 0 rows in"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			clk := &fakeClock{t: time.Unix(0, 0)}
			r := New(&out, "import", tc.total, Options{Now: clk.now})
			for _, n := range tc.adds {
				r.Add(n)
			}
			r.Done()
			r.Done() // a second Done writes nothing
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if strings.Contains(out.String(), "\r") {
				t.Errorf("a carriage return in non-terminal output:\n%q", out.String())
			}
			if len(got) != len(tc.lines) {
				t.Fatalf("%d lines, want %d:\n%s", len(got), len(tc.lines), out.String())
			}
			for i, want := range tc.lines {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("line %d = %q, want it to start with %q", i+1, got[i], want)
				}
			}
		})
	}
}

func TestNonTerminalLineHasRateAndETA(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	clk := &fakeClock{t: time.Unix(0, 0)}
	r := New(&out, "export", 100, Options{Now: clk.now, Unit: "profiles"}) // start: t=1s
	r.Add(50)                                                              // t=2s: 50 in 1s
	if want := "export: 50% (50/100 profiles), 50/s, ETA 1s\n"; out.String() != want {
		t.Errorf("line = %q, want %q", out.String(), want)
	}
}

func repeat(n, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = n
	}
	return out
}
