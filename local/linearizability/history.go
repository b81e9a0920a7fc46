package linearizability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// History records requests with their call and return times, as
// concurrent clients send them.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

// NewHistory starts an empty history; its clock starts now.
func NewHistory() *History { return &History{start: time.Now()} }

// Record sends the request through send as client, and records it with
// the times it was sent and answered.
func (h *History) Record(client int, in Input, send func(Input) Output) Output {
	call := time.Since(h.start).Nanoseconds()
	out := send(in)
	ret := time.Since(h.start).Nanoseconds()
	h.mu.Lock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
	h.mu.Unlock()
	return out
}

// Operations is the history as Porcupine checks it: a request whose
// outcome is unknown returns after every other (it may take effect at any
// time after its call), and each request whose Idempotency-Key another
// carries is marked Retried.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	ops := append([]porcupine.Operation(nil), h.ops...)
	h.mu.Unlock()
	return Finish(ops)
}

// Finish prepares recorded operations for the check (see Operations). It
// leaves out what constrains nothing and would only slow the search: a
// plain 503 (nothing happened) and a read that got no answer.
func Finish(ops []porcupine.Operation) []porcupine.Operation {
	var end int64
	uses := map[string]int{}
	for _, op := range ops {
		end = max(end, op.Return)
		if in := op.Input.(Input); in.Key != "" {
			uses[fmt.Sprint(in.Slot)+"\x00"+in.Key]++
		}
	}
	out := make([]porcupine.Operation, 0, len(ops))
	for _, op := range ops {
		in, o := op.Input.(Input), op.Output.(Output)
		if o.Refused || o.Unknown && in.Kind.read() {
			continue
		}
		in.Retried = in.Key != "" && uses[fmt.Sprint(in.Slot)+"\x00"+in.Key] > 1
		op.Input = in
		if o.Unknown {
			op.Return = end + 1
		}
		out = append(out, op)
	}
	return out
}

// Result is the verdict on a history.
type Result struct {
	Verdict porcupine.CheckResult // Ok, Illegal, or Unknown when the search ran out of time
	Ops     int
	Path    string // the HTML visualisation, saved when the verdict is not Ok
	// Explanation says, for each profile whose requests have no order,
	// where the longest order found stops: the profile then, and the
	// requests that must come next and none of which the model allows.
	Explanation string
}

// Check searches for a linearization of ops for at most timeout and, unless
// it finds one, saves Porcupine's visualisation of the history as
// dir/name.html.
func Check(ops []porcupine.Operation, timeout time.Duration, dir, name string) (Result, error) {
	model := Model()
	verdict, info := porcupine.CheckOperationsVerbose(model, ops, timeout)
	res := Result{Verdict: verdict, Ops: len(ops)}
	if verdict == porcupine.Ok {
		return res, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	res.Path = filepath.Join(dir, name+".html")
	res.Explanation = explain(ops, info)
	return res, porcupine.VisualizePath(model, info, res.Path)
}

// explain tells where the longest partial linearization of each partition
// that has no full one stops.
func explain(ops []porcupine.Operation, info porcupine.LinearizationInfo) string {
	var b strings.Builder
	for _, partial := range info.PartialLinearizationsOperations() {
		var longest []porcupine.Operation
		for _, l := range partial {
			if len(l) > len(longest) {
				longest = l
			}
		}
		if len(longest) == 0 {
			continue
		}
		slot := longest[0].Input.(Input).Slot
		var rest []porcupine.Operation
		placed := map[[2]int64]bool{}
		for _, op := range longest {
			placed[[2]int64{op.Call, int64(op.ClientId)}] = true
		}
		for _, op := range ops {
			if op.Input.(Input).Slot == slot && !placed[[2]int64{op.Call, int64(op.ClientId)}] {
				rest = append(rest, op)
			}
		}
		if len(rest) == 0 {
			continue
		}
		states := []State{{}}
		for _, op := range longest {
			var next []State
			for _, s := range states {
				next = append(next, step(s, op.Input.(Input), op.Output.(Output))...)
			}
			states = next
		}
		// The requests that could come next: called before the first of
		// the rest returned.
		first := rest[0].Return
		for _, op := range rest {
			first = min(first, op.Return)
		}
		fmt.Fprintf(&b, "profile %d: %d of its %d requests have an order; the profile after them:\n", slot, len(longest), len(longest)+len(rest))
		for _, s := range states {
			fmt.Fprintf(&b, "    %s\n", describeState(s))
		}
		fmt.Fprintf(&b, "  the last requests of that order:\n")
		for _, op := range longest[max(0, len(longest)-4):] {
			fmt.Fprintf(&b, "    client %d [%s, %s]: %s\n", op.ClientId, ms(op.Call), ms(op.Return), describe(op.Input.(Input), op.Output.(Output)))
		}
		fmt.Fprintf(&b, "  and none of these, one of which comes next, is allowed there:\n")
		for _, op := range rest {
			if op.Call <= first {
				fmt.Fprintf(&b, "    client %d [%s, %s]: %s\n", op.ClientId, ms(op.Call), ms(op.Return), describe(op.Input.(Input), op.Output.(Output)))
			}
		}
	}
	return b.String()
}

func ms(ns int64) string { return time.Duration(ns).Round(time.Millisecond).String() }
