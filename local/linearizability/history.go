package linearizability

import (
	"fmt"
	"os"
	"path/filepath"
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
	return res, porcupine.VisualizePath(model, info, res.Path)
}
