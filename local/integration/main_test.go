// Package integration tests the service over HTTP through the local API
// gateway, on the real DynamoDB Local.
package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/aws/iam"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/views"
)

func TestMain(m *testing.M) { testenv.Main(m, leastPrivilege) }

// leastPrivilege holds each function's IAM policy in template.yaml to the
// calls the whole suite made, fault paths included (local/aws/iam records them
// while enforcing the policies): it fails the run when a function called
// something its policy does not allow, or when a policy allows something
// no function call used. Derived, not listed: deleting an action the code
// uses from a policy, or adding one it does not use, names the function and
// the action here.
func leastPrivilege(code int) int {
	if !testenv.WholeSuite() {
		return code
	}
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "least privilege:", err)
		return 1
	}
	res := tpl.Resolver()
	res.Names[tpl.Table.Name] = "*" // every test's own table
	for _, bus := range tpl.ResourcesOfType("AWS::Events::EventBus") {
		res.Names[bus] = "*" // and bus
	}
	var policies []iam.Policy
	for _, fn := range tpl.Functions {
		p, err := iam.PolicyOf(res, fn)
		if err != nil {
			fmt.Fprintln(os.Stderr, "least privilege:", err)
			return 1
		}
		policies = append(policies, p)
	}
	problems := iam.Problems(policies, iam.Calls)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "least privilege:", p)
	}
	if len(problems) > 0 {
		return 1
	}
	if code != 0 {
		return code
	}
	fmt.Fprintf(os.Stderr, "least privilege: every permission of the %d functions' policies was used, and no call was denied\n", len(policies))
	return code
}

// api is a client of one test's local API: package client's, through
// its Raw requests, so a test can send what the typed methods cannot.
type api struct {
	t     *testing.T
	stack *testenv.Stack
	token string
}

func newAPI(t *testing.T) *api {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	s := testenv.NewStack(t)
	return &api{t: t, stack: s, token: testenv.Token(t, "admin", "profiles:read", "profiles:write")}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request; body is JSON-encoded unless it is a string or []byte.
// headers are name, value pairs. A body goes as application/json unless
// headers name another Content-Type. Every exchange is held to the published
// contract (contract_test.go).
func (a *api) do(method, path string, body any, headers ...string) *response {
	a.t.Helper()
	return a.send(http.DefaultClient, method, path, body, headers...)
}

// send is do through an HTTP client with hc's Timeout and Transport.
func (a *api) send(hc *http.Client, method, path string, body any, headers ...string) *response {
	a.t.Helper()
	r, err := a.req(method, path, body, headers...).sendWith(a.t, hc)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// expect fails the test unless the response has the status; it decodes the
// body into v when v is not nil.
func (r *response) expect(t *testing.T, status int, v any) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(r.Body, v); err != nil {
			t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
	return r
}

// problem is an RFC 9457 body as the API returns it, read as package
// client reads it.
type problem = client.Error

// expectProblem checks a problem+json answer with the status whose errors
// (when field is not "") name the field.
func (r *response) expectProblem(t *testing.T, status int, field string) problem {
	t.Helper()
	// Decoded as strictly as the body's documented members' types.
	var members struct {
		Type, Title, Detail, ExistingProfileID string
		Status                                 int
		Errors                                 []client.FieldError
	}
	r.expect(t, status, &members)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p *client.Error
	if !errors.As((&client.Response{Status: r.Status, Header: r.Header, Body: r.Body}).Err(), &p) {
		t.Fatalf("status %d is no error", r.Status)
	}
	if s, _ := p.Problem["status"].(float64); int(s) != status || p.Title == "" || p.Type == "" {
		t.Fatalf("problem body %s lacks type/title/status", r.Body)
	}
	if field != "" {
		for _, e := range p.Errors {
			if e.Field == field {
				return *p
			}
		}
		t.Fatalf("errors %s do not name field %q", r.Body, field)
	}
	return *p
}

// Profile and Contact as the API returns them: the JSON the API encodes
// (shared/views), so a test reads the same type the handlers write.
type (
	Profile = views.Profile
	Contact = views.Contact
)
