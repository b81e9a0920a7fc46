package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The targets, each read from one run.
const (
	overheadLimit = 1.15                  // API p50 ÷ direct GetItem p50, concurrency 1
	listGrowth    = 1.2                   // listing p50 at the large ÷ the small table
	pageVersusGet = 3.0                   // a page of 10 ÷ one GET, p50
	defaultPage   = 2.0                   // the default page of 10 ÷ one GET, p50
	initLimit     = 15 * time.Millisecond // cold start init
	binaryLimit   = 12 << 20              // bootstrap size (MiB)
	rssLimit      = 40 << 20              // peak RSS after the invocations (MiB)
)

// report is the table the run prints: one row per figure, in the order the
// run added them, a section's rows together.
type report struct {
	rows    []row
	flushed int // rows already written by flush
}

type row struct{ section, what, result, target, met string }

// add is a figure without a target.
func (r *report) add(section, what, result string) {
	r.rows = append(r.rows, row{section, what, result, "", ""})
}

// check is a figure with its target and whether it meets it.
func (r *report) check(section, what, result, target string, ok bool) {
	met := "yes"
	if !ok {
		met = "**no**"
	}
	r.rows = append(r.rows, row{section, what, result, target, met})
}

func (r *report) coldStart(f function, c *coldStartResult, o options) {
	init := c.inits.p50()
	var codes []string
	for _, s := range slices.Sorted(maps.Keys(c.statuses)) {
		label := strconv.Itoa(s)
		if s == 0 {
			label = "event"
		}
		codes = append(codes, fmt.Sprintf("%s×%d", label, c.statuses[s]))
	}
	r.check("6 cold start", fmt.Sprintf("%s: init (p50 of %d, max %s) / bootstrap / peak RSS after %d invocations (%s)",
		f.name, len(c.inits), ms(c.inits.quantile(1)), o.invocations, strings.Join(codes, " ")),
		fmt.Sprintf("%s / %s / %s", ms(init), mib(c.size), mib(c.peakRSS)),
		fmt.Sprintf("< %s / < %s / < %s", ms(initLimit), mib(binaryLimit), mib(rssLimit)),
		init < initLimit && c.size < binaryLimit && c.peakRSS < rssLimit)
}

// describeMachine notes the machine and its load, which the figures depend
// on: the machine and its load at the first call, the load at later ones.
func (r *report) describeMachine(when string) {
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	what := fmt.Sprintf("load average (1, 5, 15 min) %s: %s", when, load)
	if len(r.rows) == 0 {
		what = fmt.Sprintf("%d CPUs (%s), %s RAM, %s %s/%s; %s", runtime.NumCPU(), cpuModel(), memTotal(),
			runtime.Version(), runtime.GOOS, runtime.GOARCH, what)
	}
	r.add("0 machine", what, "")
}

func cpuModel() string {
	return procField("/proc/cpuinfo", "model name", "unknown CPU")
}

func memTotal() string {
	kb := strings.TrimSuffix(procField("/proc/meminfo", "MemTotal", "0 kB"), " kB")
	n, _ := strconv.ParseInt(kb, 10, 64)
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<20))
}

func procField(path, name, def string) string {
	f, err := os.Open(path)
	if err != nil {
		return def
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return def
}

var header = []string{"section", "measurement", "result", "target", "met"}

// flush writes the rows added since the last flush, a section's rows
// together (in the order the run added them), after the table's header on
// the first call. The lines written so far are always one Markdown table.
func (r *report) flush(w io.Writer) error {
	var b strings.Builder
	if r.flushed == 0 {
		writeLine(&b, header...)
		b.WriteString(strings.Repeat("|---", len(header)) + "|\n")
	}
	slices.SortStableFunc(r.rows[r.flushed:], func(a, b row) int { return strings.Compare(a.section, b.section) })
	for _, row := range r.rows[r.flushed:] {
		writeLine(&b, row.section, row.what, row.result, row.target, row.met)
	}
	r.flushed = len(r.rows)
	_, err := io.WriteString(w, b.String())
	return err
}

// markdown is the whole table as flush writes it, for a report whose rows
// were all flushed (or the order they were added in).
func (r *report) markdown() string {
	var b strings.Builder
	writeLine(&b, header...)
	b.WriteString(strings.Repeat("|---", len(header)) + "|\n")
	for _, row := range r.rows {
		writeLine(&b, row.section, row.what, row.result, row.target, row.met)
	}
	return b.String()
}

func writeLine(b *strings.Builder, cells ...string) {
	for i := range cells {
		cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
	}
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

// checkTable is the smoke test's check that the table renders: a header,
// every line with as many cells, and a row of every section.
func checkTable(table string, r *report) error {
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) < 3 {
		return fmt.Errorf("the table has %d lines", len(lines))
	}
	for i, l := range lines {
		if cells := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); cells != len(header)+1 {
			return fmt.Errorf("line %d has %d cells, not %d: %s", i+1, cells-1, len(header), l)
		}
	}
	for _, s := range []string{"1 overhead", "2 listing", "3 adversarial listings", "4 writes", "5 endpoint costs", "6 cold start", "7 sharding", bulkSection} {
		if !slices.ContainsFunc(r.rows, func(w row) bool { return w.section == s && w.result != "" }) {
			return fmt.Errorf("no result in section %q", s)
		}
	}
	return nil
}

// Formats of the table's figures.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
func mib(n int64) string        { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
func times(r float64) string    { return fmt.Sprintf("×%.2f", r) }
func num(f float64) string      { return strconv.FormatFloat(f, 'f', -1, 64) }
func pair(l latencies) string   { return ms(l.p50()) + " / " + ms(l.p99()) }

// count is n with thousands separators.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
