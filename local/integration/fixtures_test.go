package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/local/testenv"
)

// TestEventFixtures invokes every events/*.json through the handler of its
// function, as make invoke does, and holds the answer to fixtures.All, the
// table make sam-invoke holds the real `sam local invoke` to. An HTTP
// fixture's routeKey must be a route of that function in template.yaml.
func TestEventFixtures(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join(testenv.Root(t), "events", "*.json"))
	if len(files) != len(fixtures.All) {
		t.Errorf("events/ holds %d fixtures, fixtures.All %d", len(files), len(fixtures.All))
	}
	routes := map[string]string{}
	for _, r := range a.stack.Template.Routes() {
		routes[r.Pattern()] = r.Function
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			f, ok := fixtures.Find(name)
			if !ok {
				t.Fatalf("no expected answer for %s: add it to fixtures.All", name)
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if f.Kind == fixtures.HTTP {
				var ev events.APIGatewayV2HTTPRequest
				if err := json.Unmarshal(raw, &ev); err != nil {
					t.Fatal(err)
				}
				if fn := routes[ev.RouteKey]; fn != f.Function || ev.RequestContext.RouteKey != ev.RouteKey {
					t.Fatalf("routeKey %q is no route of %s in template.yaml (it is %q's)", ev.RouteKey, f.Function, fn)
				}
			}
			h, ok := a.stack.Handlers[f.Function]
			if !ok {
				t.Fatalf("template.yaml has no function %s", f.Function)
			}
			if err := fixtures.Reset(ctx, a.stack.Store); err != nil {
				t.Fatal(err)
			}
			out, err := h.Invoke(ctx, raw)
			if err != nil {
				t.Fatalf("%s: %v", f.Function, err)
			}
			if _, err := f.Check(out); err != nil {
				t.Errorf("%s via %s: %v", name, f.Function, err)
			}
			if f.Kind == fixtures.Stream {
				checkStreamEvents(t, a)
			}
		})
	}
}

// checkStreamEvents reads what PublishProfileEvents published for the
// stream fixture (the fixture profile written, patched, given a contact and
// deleted, with its contact items, marker and an API key): exactly four
// events, each valid against the published schema.
func checkStreamEvents(t *testing.T, a *api) {
	t.Helper()
	everything := []string{"profileId", "contacts", "countryNumericCode", "country", "enabled", "firstName", "middleName",
		"lastName", "name", "tags", "createTime", "updateTime", "uuid", "featureUpdates", "marketingUpdates"}
	want := []publishedEvent{
		{"Profile Created", everything},
		{"Profile Updated", []string{"tags", "updateTime"}},
		{"Profile Updated", []string{"contacts"}},
		{"Profile Deleted", everything},
	}
	checkEvents(t, readEvents(t, a.stack.Config.EventsFile), want)
}
