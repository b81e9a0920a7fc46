package iam

import (
	"fmt"
	"slices"
	"strings"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// Calls records every call of every function the local stack builds.
var Calls = NewRecorder()

// Emulated are the services whose calls the local stack makes, so that a
// run can hold their permissions to the code. The others a policy may name
// are not called locally: secretsmanager (local mode takes the cursor
// secret from the environment) and sqs (Lambda itself sends to an
// on-failure destination).
var Emulated = []string{"dynamodb", "events"}

// PolicyOf is a function's policy as template.yaml declares it, resolved by r.
func PolicyOf(r *samtemplate.Resolver, fn samtemplate.FunctionResource) (Policy, error) {
	sts, err := r.Policy(fn)
	return Policy{Function: fn.Name, Statements: sts}, err
}

// Problems holds each policy to the calls rec recorded, both ways: a call
// the policy denied, and a permission (an action on a resource of an
// Allow statement, for an emulated service) that no call used.
func Problems(policies []Policy, rec *Recorder) []string {
	var out []string
	for _, p := range policies {
		calls := rec.Calls(p.Function)
		for req, allowed := range calls {
			if !allowed {
				out = append(out, fmt.Sprintf("%s called %s, which its policy in template.yaml does not allow", p.Function, req))
			}
		}
		for _, st := range p.Statements {
			if st.Effect != "Allow" {
				continue
			}
			for _, action := range st.Actions {
				service, _, _ := strings.Cut(action, ":")
				if !slices.Contains(Emulated, strings.ToLower(service)) {
					continue
				}
				for _, resource := range st.Resources {
					if !used(calls, action, resource) {
						out = append(out, fmt.Sprintf("%s may %s on %s in template.yaml, but no call used it: remove it", p.Function, action, resource))
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// used reports whether an allowed call needed action on a resource the
// pattern matches.
func used(calls map[Request]bool, action, resource string) bool {
	for req, allowed := range calls {
		if allowed && anyMatch([]string{action}, req.Action, true) && anyMatch([]string{resource}, req.Resource, false) {
			return true
		}
	}
	return false
}
