package bulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

// Export writes each profile of the listing once, as the API's Profile
// object, across pages; a filter exports only its profiles.
func TestExport(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 230 {
		p, err := a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value(fmt.Sprintf("p%03d", i)),
			Enabled: client.Value(i%3 != 0), Contacts: []client.ContactInput{{Key: client.Value("email"), Value: client.Value(fmt.Sprintf("p%d@x.example", i))}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[p.ProfileID] = p.Enabled
	}
	for _, tc := range []struct {
		name    string
		filters map[string]string
		enabled func(bool) bool
	}{
		{"every profile", nil, func(bool) bool { return true }},
		{"filter[enabled]=false", map[string]string{"enabled": "false"}, func(e bool) bool { return !e }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := Export(ctx, a.Admin, &out, ExportOptions{List: client.ListOptions{Filters: tc.filters}})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			s := bufio.NewScanner(&out)
			for s.Scan() {
				var p views.Profile
				if err := json.Unmarshal(s.Bytes(), &p); err != nil {
					t.Fatalf("line %q: %v", s.Text(), err)
				}
				if seen[p.ProfileID] {
					t.Errorf("%s exported twice", p.ProfileID)
				}
				seen[p.ProfileID] = true
				if len(p.Contacts) != 1 {
					t.Errorf("%s exported with %d contacts, want 1", p.ProfileID, len(p.Contacts))
				}
			}
			wantN := 0
			for id, enabled := range want {
				if tc.enabled(enabled) {
					wantN++
					if !seen[id] {
						t.Errorf("%s not exported", id)
					}
				}
			}
			if n != wantN || len(seen) != wantN {
				t.Errorf("exported %d (%d lines), want %d", n, len(seen), wantN)
			}
		})
	}
}
