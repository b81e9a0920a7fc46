package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/local/testenv"
)

// fixtureStatus is the status each events/ fixture gives against the fixture
// profile (what make invoke prints). A new fixture must be added here.
var fixtureStatus = map[string]int{
	"list-profiles.json":     200,
	"get-profile.json":       200,
	"create-profile.json":    201,
	"update-profile.json":    200,
	"delete-profile.json":    204,
	"list-contacts.json":     200,
	"get-contact.json":       200,
	"create-contact.json":    201,
	"update-contact.json":    200,
	"delete-contact.json":    204,
	"update-my-profile.json": 200,
	"get-my-profile.json":    200,
	"get-user-profile.json":  200,
	// The authorizer answers with a simple response, not HTTP: 200 stands for
	// isAuthorized true.
	"api-key-authorizer.json": 200,
	// The retention job answers with its summary: 200 stands for a complete run.
	"retention-purge.json":         200,
	"retention-purge-dry-run.json": 200,
	// The publisher answers with a partial batch response: 200 stands for
	// every record published.
	streamFixture: 200,
}

// TestEventFixtures invokes every events/*.json through the handler of the
// function its routeKey belongs to in template.yaml, as make invoke does.
func TestEventFixtures(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join(testenv.Root(t), "events", "*.json"))
	if len(files) == 0 {
		t.Fatal("no fixtures in events/")
	}
	routes := map[string]string{}
	for _, r := range a.stack.Template.Routes() {
		routes[r.Pattern()] = r.Function
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := fixtureStatus[name]
			if !ok {
				t.Fatalf("no expected status for %s: add it to fixtureStatus", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			if err := a.stack.ResetFixtures(ctx); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(name, "retention-purge") {
				out, err := a.stack.Handlers["RetentionPurge"].Invoke(ctx, raw)
				var sum struct{ Complete, DryRun bool }
				if err != nil || json.Unmarshal(out, &sum) != nil || !sum.Complete || sum.DryRun != strings.Contains(name, "dry-run") {
					t.Errorf("retention purge: %s, %v", out, err)
				}
				return
			}
			if name == streamFixture {
				checkStreamFixture(t, a, raw)
				return
			}
			if name == "api-key-authorizer.json" {
				out, err := a.stack.Handlers["ApiKeyAuthorizer"].Invoke(ctx, raw)
				var resp events.APIGatewayV2CustomAuthorizerSimpleResponse
				if err != nil || json.Unmarshal(out, &resp) != nil || !resp.IsAuthorized || resp.Context["apiKeyName"] != "fixture-partner" {
					t.Errorf("authorizer: %s, %v", out, err)
				}
				return
			}
			fn := routes[ev.RouteKey]
			if fn == "" || ev.RequestContext.RouteKey != ev.RouteKey {
				t.Fatalf("routeKey %q is no route of template.yaml", ev.RouteKey)
			}
			out, err := a.stack.Handlers[fn].Invoke(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != want {
				t.Errorf("%s via %s: status %d, want %d: %s", name, fn, resp.StatusCode, want, resp.Body)
			}
		})
	}
}

// checkStreamFixture invokes PublishProfileEvents with the stream fixture:
// of its records (the fixture profile written, patched, given a contact and
// deleted, with its contact items, marker and an API key), exactly four
// events come, each valid against the published schema.
func checkStreamFixture(t *testing.T, a *api, raw []byte) {
	t.Helper()
	out, err := a.stack.Handlers["PublishProfileEvents"].Invoke(context.Background(), raw)
	var resp events.DynamoDBEventResponse
	if err != nil || json.Unmarshal(out, &resp) != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("PublishProfileEvents: %s, %v", out, err)
	}
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
