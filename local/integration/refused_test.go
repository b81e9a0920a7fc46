package integration

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/profiles-service/profiles/local/aws/iam"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

// TestRefusedWriteIsA500AtOnce: CreateProfile's policy lacks
// dynamodb:PutItem (a deployment missing a permission), so IAM refuses its
// write with AccessDeniedException. The refusal is definite: POST /profiles
// answers a 500 (logged, counted by the 5xx alarm) after one write call,
// at once, not a 503 outcome-unknown after resending until its deadline;
// and no profile was stored.
func TestRefusedWriteIsA500AtOnce(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	writes := withoutAction(t, a, "CreateProfile", "dynamodb:PutItem")
	// One write call says it was not resent, at any speed; doWithin's 5 s
	// only keeps a regression from hanging the suite.
	r := a.doWithin(5*time.Second, "POST", "/profiles", `{"firstName":"Refused"}`)
	if r.Status != 500 || writes.Load() != 1 {
		t.Errorf("refused create answered %d after %d write calls; want a 500 after one call: %s", r.Status, writes.Load(), r.Body)
	}
	r.expectProblem(t, 500, "")
	if n := count(scanTable(t, a), func(it item) bool { return it.Type == "profile" }); n != 0 {
		t.Errorf("%d profiles stored by a refused create", n)
	}
}

// doWithin is do, failing the test when no answer came within d.
func (a *api) doWithin(d time.Duration, method, path string, body any, headers ...string) *response {
	a.t.Helper()
	return a.send(&http.Client{Timeout: d}, method, path, body, headers...)
}

// withoutAction rebuilds the function's handler on a policy that is its
// template.yaml policy less the action, recorded apart from the suite's
// least-privilege check (the denial is the test's point), and counts its
// write transactions.
func withoutAction(t *testing.T, a *api, function, action string) *atomic.Int64 {
	t.Helper()
	tpl, cfg := a.stack.Template, a.stack.Config
	res := tpl.Resolver()
	res.Names[tpl.Table.Name] = cfg.TableName
	i := slices.IndexFunc(tpl.Functions, func(f samtemplate.FunctionResource) bool { return f.Name == function })
	j := slices.IndexFunc(lambdaapp.All(), func(f lambdaapp.Function) bool { return f.Name == function })
	if i < 0 || j < 0 {
		t.Fatalf("no function %s", function)
	}
	policy, err := iam.PolicyOf(res, tpl.Functions[i])
	if err != nil {
		t.Fatal(err)
	}
	for k := range policy.Statements {
		policy.Statements[k].Actions = slices.DeleteFunc(slices.Clone(policy.Statements[k].Actions), func(s string) bool { return s == action })
	}
	fnCfg := a.stack.AWS.Copy()
	iam.Install(&fnCfg, policy, iam.NewRecorder())
	writes := new(atomic.Int64)
	fnCfg.APIOptions = append(fnCfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("countWrites", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if middleware.GetOperationName(ctx) == "TransactWriteItems" {
				writes.Add(1)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	})
	h, err := lambdaapp.All()[j].Handler(context.Background(), lambdaapp.Env{Config: cfg, AWS: fnCfg})
	if err != nil {
		t.Fatal(err)
	}
	a.stack.Handlers[function] = h
	return writes
}
