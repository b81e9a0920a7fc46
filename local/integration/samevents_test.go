package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/local/testenv"
)

// Events from `sam local generate-event`, AWS's own samples of what API
// Gateway (HTTP API, payload 2.0) and EventBridge send, prove that the
// handlers take what AWS sends, not only the events/ fixtures we wrote.

// samEventRequest is one route's request: what the test fills into SAM's
// HTTP API sample; everything else is SAM's.
type samEventRequest struct {
	routeKey   string
	path       string // the request path, ids filled in
	pathParams map[string]string
	query      map[string]string // one value each; rawQueryString is built in this order
	queryOrder []string
	sub        string // the JWT's subject
	body       string
	want       int
	check      func(t *testing.T, body []byte)
}

var samEventRequests = []samEventRequest{
	{
		routeKey: "GET /profiles/{profileId}", path: "/profiles/" + fixtures.ProfileID,
		pathParams: map[string]string{"profileId": fixtures.ProfileID},
		sub:        "admin", want: 200, check: wantProfileID(fixtures.ProfileID),
	},
	{
		routeKey: "POST /profiles", path: "/profiles", sub: "admin", want: 201,
		body: `{"contacts": [{"key": "email", "value": "client@email.com", "uuid": null}],
		        "countryNumericCode": "840", "enabled": true, "firstName": "Mary", "middleName": "Jane",
		        "lastName": "Smith", "uuid": null}`,
		check: func(t *testing.T, body []byte) {
			var p Profile
			if err := json.Unmarshal(body, &p); err != nil || p.ProfileID == "" || apitest.StringOf(p.FirstName) != "Mary" {
				t.Errorf("created profile %s (%v)", body, err)
			}
		},
	},
	{
		routeKey: "GET /profiles", path: "/profiles", sub: "admin", want: 200,
		query:      map[string]string{"limit": "10", "sort_by": "createTime", "sort_order": "desc", "filter[enabled]": "1"},
		queryOrder: []string{"limit", "sort_by", "sort_order", "filter[enabled]"},
		check: func(t *testing.T, body []byte) {
			if !strings.Contains(string(body), fixtures.ProfileID) {
				t.Errorf("the list lacks the fixture profile: %s", body)
			}
		},
	},
	{
		routeKey: "POST /api/me/profile/update", path: "/api/me/profile/update", sub: fixtures.UserID, want: 200,
		body: `{"givenName": "John", "familyName": "Doe", "featureUpdates": false, "marketingUpdates": true, "email": "john.doe@centrapay.com"}`,
		check: func(t *testing.T, body []byte) {
			var u struct{ GivenName, FamilyName string }
			if err := json.Unmarshal(body, &u); err != nil || u.GivenName != "John" || u.FamilyName != "Doe" {
				t.Errorf("user profile %s (%v)", body, err)
			}
		},
	},
}

// TestSAMGeneratedEventsReachHandlers invokes each route's function, as make
// invoke does, with SAM's http-api-proxy sample filled in for the route, and
// RetentionPurge with SAM's scheduled-event sample.
func TestSAMGeneratedEventsReachHandlers(t *testing.T) {
	sam := samCLI(t)
	a := newAPI(t)
	ctx := context.Background()
	routes := map[string]samtemplate.Route{}
	for _, r := range a.stack.Template.Routes() {
		routes[r.Pattern()] = r
	}
	for _, req := range samEventRequests {
		t.Run(req.routeKey, func(t *testing.T) {
			route, ok := routes[req.routeKey]
			if !ok {
				t.Fatalf("%s is no route of template.yaml", req.routeKey)
			}
			raw := req.event(t, sam, route)
			if err := fixtures.Reset(ctx, a.stack.Store); err != nil {
				t.Fatal(err)
			}
			out, err := a.stack.Handlers[route.Function].Invoke(ctx, raw)
			if err != nil {
				t.Fatalf("%s: %v", route.Function, err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatalf("%s answered no HTTP API response: %s", route.Function, out)
			}
			if resp.StatusCode != req.want {
				t.Fatalf("%s: status %d, want %d: %s\nevent: %s", route.Function, resp.StatusCode, req.want, resp.Body, raw)
			}
			req.check(t, []byte(resp.Body))
		})
	}
	t.Run("dynamodb update", func(t *testing.T) {
		// SAM's sample changes items that are no profiles: no event, no failure.
		raw := generateEvent(t, sam, "dynamodb", "update")
		out, err := a.stack.Handlers["PublishProfileEvents"].Invoke(ctx, raw)
		var resp events.DynamoDBEventResponse
		if err != nil || json.Unmarshal(out, &resp) != nil || len(resp.BatchItemFailures) != 0 {
			t.Errorf("PublishProfileEvents on SAM's dynamodb update event: %s, %v", out, err)
		}
		if evs := readEvents(t, a.stack.Config.EventsFile); len(evs) != 0 {
			t.Errorf("%d events of SAM's sample items", len(evs))
		}
	})
	t.Run("scheduled-event", func(t *testing.T) {
		raw := generateEvent(t, sam, "cloudwatch", "scheduled-event", "--rule", "profiles-RetentionPurgeDaily")
		out, err := a.stack.Handlers["RetentionPurge"].Invoke(ctx, raw)
		var sum struct {
			DryRun, Complete bool
			Errors           int
		}
		if err != nil || json.Unmarshal(out, &sum) != nil || sum.DryRun || !sum.Complete || sum.Errors != 0 {
			t.Errorf("RetentionPurge on SAM's scheduled event: %s, %v", out, err)
		}
	})
}

// event is SAM's http-api-proxy sample with the fields the route needs
// filled in the way API Gateway fills them.
func (req samEventRequest) event(t *testing.T, sam string, route samtemplate.Route) []byte {
	t.Helper()
	args := []string{"apigateway", "http-api-proxy", "--method", route.Method,
		// SAM prepends the slash itself.
		"--path", strings.TrimPrefix(req.path, "/")}
	if req.body != "" {
		args = append(args, "--body", req.body) // SAM base64-encodes it, as API Gateway may
	}
	var ev map[string]any
	if err := json.Unmarshal(generateEvent(t, sam, args...), &ev); err != nil {
		t.Fatal(err)
	}
	rc := ev["requestContext"].(map[string]any)
	httpCtx := rc["http"].(map[string]any)
	if ev["rawPath"] != req.path || httpCtx["path"] != req.path || httpCtx["method"] != route.Method {
		t.Fatalf("sam set rawPath %v, http %v; want %s %s", ev["rawPath"], httpCtx, route.Method, req.path)
	}
	ev["routeKey"], rc["routeKey"] = req.routeKey, req.routeKey
	ev["pathParameters"] = req.pathParams
	ev["rawQueryString"], ev["queryStringParameters"] = req.rawQuery(), req.query
	if req.query == nil {
		delete(ev, "queryStringParameters")
	}
	if req.pathParams == nil {
		delete(ev, "pathParameters")
	}
	headers := ev["headers"].(map[string]any)
	headers["authorization"] = "Bearer <checked by the JWT authorizer>"
	if req.body == "" {
		delete(ev, "body")
		ev["isBase64Encoded"] = false
	} else {
		headers["content-type"] = "application/json"
	}
	// What API Gateway's JWT authorizer passes on: the token's claims as strings.
	jwt := rc["authorizer"].(map[string]any)["jwt"].(map[string]any)
	jwt["claims"] = map[string]string{
		"iss": "https://issuer.example.com/", "aud": "[profiles-api]", "sub": req.sub,
		"scope": strings.Join(route.Scopes, " "), "iat": "1735689600", "exp": "1735693200",
	}
	jwt["scopes"] = route.Scopes
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (req samEventRequest) rawQuery() string {
	var parts []string
	for _, k := range req.queryOrder {
		parts = append(parts, k+"="+req.query[k])
	}
	return strings.Join(parts, "&")
}

func wantProfileID(id string) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		var p Profile
		if err := json.Unmarshal(body, &p); err != nil || p.ProfileID != id {
			t.Errorf("want profile %s, got %s (%v)", id, body, err)
		}
	}
}

// TestSAMGeneratedEventsShapeFixtures holds the events/ fixtures to SAM's
// samples: every field an HTTP API fixture sets is one SAM's http-api-proxy
// sample has, with the same JSON type, the scheduled-event fixture has
// every field of SAM's scheduled-event sample, and the stream fixture's
// records have exactly the fields of SAM's dynamodb update sample's.
func TestSAMGeneratedEventsShapeFixtures(t *testing.T) {
	sam := samCLI(t)
	httpShape := jsonShape(t, generateEvent(t, sam, "apigateway", "http-api-proxy"))
	scheduledShape := jsonShape(t, generateEvent(t, sam, "cloudwatch", "scheduled-event"))
	streamShape := recordsShape(t, generateEvent(t, sam, "dynamodb", "update"))
	files, err := filepath.Glob(filepath.Join(testenv.Root(t), "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	// checked counts the fixtures held to a sample, by kind.
	checked := map[string]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			Version, Type, Source string
			Records               []struct {
				EventSource string `json:"eventSource"`
			}
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch {
		case head.Version == "2.0" && head.Type == "":
			checked["HTTP API"]++
			for path, typ := range jsonShape(t, raw) {
				if got, ok := httpShape[path]; !ok || (got != typ && typ != "null") {
					t.Errorf("%s: %s (%s) is not in SAM's http-api-proxy event (%s)", filepath.Base(f), path, typ, got)
				}
			}
		case len(head.Records) > 0 && head.Records[0].EventSource == "aws:dynamodb":
			checked["stream"]++
			fixture := recordsShape(t, raw)
			for path, typ := range streamShape {
				if fixture[path] != typ {
					t.Errorf("%s: no record has %s (%s) of SAM's dynamodb update event", filepath.Base(f), path, typ)
				}
			}
			for path, typ := range fixture {
				if streamShape[path] != typ {
					t.Errorf("%s: %s (%s) is not in SAM's dynamodb update event", filepath.Base(f), path, typ)
				}
			}
		case head.Source == "aws.events":
			checked["scheduled"]++
			fixture := jsonShape(t, raw)
			for path, typ := range scheduledShape {
				if fixture[path] != typ {
					t.Errorf("%s lacks %s (%s) of SAM's scheduled event", filepath.Base(f), path, typ)
				}
			}
		}
	}
	// events/ holds an HTTP API fixture per route, the one stream fixture
	// (publish-profile-events.json) and RetentionPurge's scheduled event.
	if checked["HTTP API"] < 1 || checked["stream"] != 1 || checked["scheduled"] < 1 {
		t.Errorf("fixtures held to SAM's samples, by kind: %v (of %d files in events/); want at least 1 HTTP API, exactly 1 stream and at least 1 scheduled",
			checked, len(files))
	}
}

// freeForm are the event maps whose keys are the request's own (headers,
// parameters, claims), compared as maps only.
var freeForm = []string{"headers", "queryStringParameters", "pathParameters", "stageVariables",
	"requestContext.authorizer.jwt.claims", "detail", "dynamodb.Keys", "dynamodb.NewImage", "dynamodb.OldImage"}

// recordsShape is the union of the shapes of a stream event's records.
func recordsShape(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var ev struct{ Records []json.RawMessage }
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	shape := map[string]string{}
	for _, r := range ev.Records {
		maps.Copy(shape, jsonShape(t, r))
	}
	return shape
}

// jsonShape maps each field's dotted path to its JSON type.
func jsonShape(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	shape := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if path == "requestContext.authorizer.lambda" {
			// A Lambda authorizer's context takes the place of the JWT
			// claims; SAM's sample has a JWT authorizer only.
			path = "requestContext.authorizer.jwt.claims"
		}
		switch v := v.(type) {
		case map[string]any:
			shape[path] = "object"
			if slices.Contains(freeForm, path) {
				return
			}
			for k, e := range v {
				walk(strings.TrimPrefix(path+"."+k, "."), e)
			}
		case nil:
			shape[path] = "null"
		default:
			shape[path] = fmt.Sprintf("%T", v)
		}
	}
	walk("", v)
	delete(shape, "")
	return shape
}

// samCLI is the sam executable; the test is skipped without one.
func samCLI(t *testing.T) string {
	t.Helper()
	sam, err := exec.LookPath("sam")
	if err != nil {
		t.Skip("sam is not on PATH: install aws-sam-cli (.ci/run does) to check the handlers on SAM's generated events")
	}
	return sam
}

// generateEvent runs `sam local generate-event <service> <event> args...`.
func generateEvent(t *testing.T, sam string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(sam, append([]string{"local", "generate-event"}, args...)...)
	cmd.Dir = t.TempDir() // away from samconfig.toml
	cmd.Env = append(os.Environ(), "SAM_CLI_TELEMETRY=0")
	out, err := cmd.Output()
	if err != nil {
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			t.Fatalf("sam local generate-event %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return out
}
