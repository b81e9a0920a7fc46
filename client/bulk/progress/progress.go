// Package progress reports how far a long job has come on a writer,
// usually stderr: a bar redrawn in place (rows, rate, ETA) when the writer
// is a terminal, and otherwise one line per tenth of the job, so a log file
// gets ten lines rather than thousands of carriage returns.
package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// redraw is how often a terminal's bar is drawn again.
const redraw = 200 * time.Millisecond

// Reporter reports the progress of one job of a known (or unknown, 0)
// number of steps. It is safe for concurrent use; Done ends it.
type Reporter struct {
	w        io.Writer
	label    string
	unit     string
	total    int64
	terminal bool
	now      func() time.Time
	start    time.Time

	count atomic.Int64
	mu    sync.Mutex // the writes to w, and tenths
	tenth int64      // the last tenth written (non-terminal)
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// Options are a Reporter's optional settings.
type Options struct {
	// Unit names the steps in the output ("rows"; "" is "rows").
	Unit string
	// Terminal draws a bar in place; false writes a line per tenth. See
	// IsTerminal.
	Terminal bool
	// Now is the clock of the rate and the ETA (time.Now when nil).
	Now func() time.Time
}

// New starts reporting a job of total steps (0: unknown) on w.
func New(w io.Writer, label string, total int64, o Options) *Reporter {
	r := &Reporter{w: w, label: label, unit: o.Unit, total: total, terminal: o.Terminal, now: o.Now, stop: make(chan struct{})}
	if r.unit == "" {
		r.unit = "rows"
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.start = r.now()
	if r.terminal {
		r.wg.Go(func() {
			t := time.NewTicker(redraw)
			defer t.Stop()
			for {
				select {
				case <-r.stop:
					return
				case <-t.C:
					r.mu.Lock()
					r.drawBar()
					r.mu.Unlock()
				}
			}
		})
	}
	return r
}

// IsTerminal says whether w is a terminal (a character device), where a
// bar redrawn in place reads well.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add counts n more steps done.
func (r *Reporter) Add(n int) {
	c := r.count.Add(int64(n))
	if r.terminal || r.total <= 0 {
		return
	}
	t := min(10*c/r.total, 10)
	r.mu.Lock()
	defer r.mu.Unlock()
	if t > r.tenth && t < 10 { // 100% is Done's line
		r.tenth = t
		v := r.perSecond(c)
		_, _ = fmt.Fprintf(r.w, "%s: %d%% (%s/%s %s), %s, ETA %s\n", r.label, 10*t, group(c), group(r.total), r.unit, rate(v), r.eta(c, v))
	}
}

// Count is the steps done so far.
func (r *Reporter) Count() int64 { return r.count.Load() }

// Done ends the report with a last line: the steps done, the time taken
// and the rate. Further calls do nothing.
func (r *Reporter) Done() {
	r.once.Do(func() {
		close(r.stop)
		r.wg.Wait()
		r.mu.Lock()
		defer r.mu.Unlock()
		c := r.count.Load()
		if r.terminal {
			r.drawBar()
			_, _ = fmt.Fprintln(r.w)
		}
		el := r.now().Sub(r.start)
		_, _ = fmt.Fprintf(r.w, "%s: %s %s in %v, %s\n", r.label, group(c), r.unit, el.Round(time.Millisecond), rate(perSecond(c, el)))
	})
}

// drawBar draws the bar over the line it drew before.
func (r *Reporter) drawBar() {
	const width = 30
	c := r.count.Load()
	v := r.perSecond(c)
	if r.total <= 0 {
		_, _ = fmt.Fprintf(r.w, "\r%s: %s %s, %s   ", r.label, group(c), r.unit, rate(v))
		return
	}
	filled := int(min(width*c/r.total, width))
	_, _ = fmt.Fprintf(r.w, "\r%s [%s%s] %s/%s %s, %s, ETA %s   ", r.label, strings.Repeat("=", filled),
		strings.Repeat(" ", width-filled), group(c), group(r.total), r.unit, rate(v), r.eta(c, v))
}

// perSecond is the rate so far, reading the clock once.
func (r *Reporter) perSecond(c int64) float64 { return perSecond(c, r.now().Sub(r.start)) }

func perSecond(c int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(c) / elapsed.Seconds()
}

func rate(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "/s" }

// eta is the time left of c steps done at v steps a second.
func (r *Reporter) eta(c int64, v float64) string {
	if v <= 0 || r.total <= 0 {
		return "?"
	}
	return time.Duration(float64(max(r.total-c, 0)) / v * float64(time.Second)).Round(time.Second).String()
}

// group is n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
