package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	bulkprogress "github.com/profiles-service/profiles/client/bulk/progress"
	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// dataset is n profiles, each with three contacts, created one second
// apart from base on (so the table's history is their order), with the
// skew that made listings grow with the table before: every profile
// enabled but the first, half of them sharing one lastName, all one
// middleName. Every value has a fixed width, so every stored item and
// index entry has one size and a page's read capacity depends only on how
// many it reads, never on which.
func dataset(n int, base time.Time) []*profile.Profile {
	base = base.UTC().Truncate(time.Second)
	out := make([]*profile.Profile, n)
	str := func(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }
	for i := range out {
		// The other lastNames are a permutation of i, so a name-ordered page
		// mixes old and new profiles.
		last := fmt.Sprintf("Last%07d", (i*7919)%1000003)
		if i%2 == 0 {
			last = sharedLastName
		}
		in := profile.Input{
			Changes: profile.Changes{
				FirstName:   str(fmt.Sprintf("First%07d", i)),
				MiddleName:  str(sharedMiddleName),
				LastName:    str(last),
				CountryCode: str("554"),
				Enabled:     profile.Field[bool]{Set: true, Value: i != 0},
				Tags:        profile.Field[[]string]{Set: true, Value: []string{"bench"}},
			},
			Contacts: []profile.ContactChanges{
				{Key: str(profile.KeyEmail), Value: str(fmt.Sprintf("home%07d@bench.example", i))},
				{Key: str(profile.KeyEmail), Value: str(fmt.Sprintf("work%07d@bench.example", i))},
				{Key: str(profile.KeyPhone), Value: str(fmt.Sprintf("+6421%07d", i))},
			},
		}
		p, err := profile.New(in, base.Add(time.Duration(i)*time.Second))
		if err != nil {
			panic("bench dataset: " + err.Error())
		}
		out[i] = p
	}
	return out
}

// The shared names of the dataset.
const (
	sharedLastName   = "SharedLast1" // as long as the others, Last%07d
	sharedMiddleName = "Bench"
)

// loadJob is profiles to create in one store (a bulkload.Store).
type loadJob struct {
	store    *dynamo.Store
	profiles []*profile.Profile
}

// loadChunk is how many profiles a worker takes at a time: their items
// (about 4 each) fill one BatchWriteItem (bulkload.Load).
const loadChunk = 6

// load writes every job's profiles with a bulk loader (the items Create
// writes, with BatchWriteItem) on workers goroutines, oldest first, with a
// progress bar.
func load(ctx context.Context, jobs []loadJob, workers int, p *progress) error {
	if len(jobs) == 0 {
		return nil // -reuse: every table was loaded before
	}
	type task struct {
		store    *dynamo.Store
		profiles []*profile.Profile
	}
	var tasks []task
	total := 0
	for i := 0; ; i += loadChunk {
		more := false
		for _, j := range jobs {
			if i < len(j.profiles) {
				chunk := j.profiles[i:min(i+loadChunk, len(j.profiles))]
				tasks = append(tasks, task{j.store, chunk})
				total += len(chunk)
				more = true
			}
		}
		if !more {
			break
		}
	}
	bar := p.bar("loading profiles", "profiles", total)
	defer bar.done()
	return parallel(ctx, len(tasks), workers, func(ctx context.Context, i int) error {
		if err := bulkload.Load(ctx, tasks[i].store, tasks[i].profiles); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		bar.add(len(tasks[i].profiles))
		return nil
	})
}

// progress reports on stderr: log lines, and a progress bar (a line per
// tenth when stderr is not a terminal: package progress, as make import's).
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, terminal: bulkprogress.IsTerminal(w)} }

func (p *progress) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// bar is a progress bar of one job.
type bar struct{ r *bulkprogress.Reporter }

// bar starts a progress bar for total steps, each one unit.
func (p *progress) bar(label, unit string, total int) *bar {
	return &bar{bulkprogress.New(p.w, label, int64(total), bulkprogress.Options{Unit: unit, Terminal: p.terminal})}
}

func (b *bar) add(n int) { b.r.Add(n) }

func (b *bar) done() { b.r.Done() }
