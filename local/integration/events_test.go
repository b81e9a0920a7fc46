package integration

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"slices"
	"testing"

	"github.com/profiles-service/profiles/local/eventschema"
	profileevents "github.com/profiles-service/profiles/shared/events"
)

// publishedEvent is what a test expects of an event.
type publishedEvent struct {
	detailType string
	changed    []string
}

// readEvents reads the events file (none when it does not exist yet),
// holding each line to the published schema.
func readEvents(t *testing.T, path string) []profileevents.Event {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []profileevents.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		eventschema.Check(t, sc.Bytes())
		var ev profileevents.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("events file: %v: %s", err, sc.Bytes())
		}
		evs = append(evs, ev)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// checkEvents holds the events to what is wanted, in order.
func checkEvents(t *testing.T, got []profileevents.Event, want []publishedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d events, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].DetailType != want[i].detailType || !slices.Equal(got[i].Detail.ChangedFields, want[i].changed) {
			t.Errorf("event %d: %s %v, want %s %v", i, got[i].DetailType, got[i].Detail.ChangedFields, want[i].detailType, want[i].changed)
		}
	}
}
