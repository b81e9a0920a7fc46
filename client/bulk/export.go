package bulk

import (
	"bufio"
	"context"
	"encoding/json"
	"io"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/client/bulk/progress"
)

// ExportOptions are an export's listing and progress report.
type ExportOptions struct {
	// List is the listing exported: its filters and order (Limit is the
	// page size, 100 when 0; Offset must be 0).
	List client.ListOptions
	// Progress gets the progress report; nil reports nothing.
	Progress io.Writer
	// Terminal draws the progress as a bar (see progress.IsTerminal).
	Terminal bool
}

// Export writes every profile of the listing to w as NDJSON, one Profile
// object a line as the API answers it, page after page by the cursor, and
// returns how many it wrote. The file imports back unchanged (each line
// is an upsert of its profileId).
func Export(ctx context.Context, c *client.Client, w io.Writer, o ExportOptions) (int, error) {
	if o.List.Limit == 0 {
		o.List.Limit = 100
	}
	var prog *progress.Reporter
	if o.Progress != nil {
		prog = progress.New(o.Progress, "export", 0, progress.Options{Unit: "profiles", Terminal: o.Terminal})
		defer prog.Done()
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	for p, err := range c.Profiles(ctx, o.List) {
		if err != nil {
			_ = bw.Flush() // what was read stays written; err says why it stopped
			return n, err
		}
		b, err := json.Marshal(p)
		if err != nil {
			return n, err
		}
		if _, err := bw.Write(append(b, '\n')); err != nil {
			return n, err
		}
		n++
		if prog != nil {
			prog.Add(1)
		}
	}
	return n, bw.Flush()
}
