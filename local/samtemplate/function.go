package samtemplate

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Statement is one statement of a function's inline policy, resolved.
type Statement struct {
	Effect    string
	Actions   []string
	Resources []string
}

// Policy is a function's inline policy statements (Policies: - Statement:
// […]), resolved. Other kinds of policies (managed policies, SAM policy
// templates) are refused: this project writes every permission out.
func (r *Resolver) Policy(fn FunctionResource) ([]Statement, error) {
	policies := Field(fn.Properties, "Policies")
	if policies == nil {
		return nil, nil
	}
	var out []Statement
	for _, p := range policies.Content {
		sts := Field(p, "Statement")
		if sts == nil || sts.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("%s: line %d: only inline policies (- Statement: [...]) are read", fn.Name, p.Line)
		}
		for _, st := range sts.Content {
			var s Statement
			var err error
			if s.Effect, err = r.String(Field(st, "Effect")); err != nil {
				return nil, fmt.Errorf("%s: %w", fn.Name, err)
			}
			if s.Actions, err = r.Strings(Field(st, "Action")); err != nil {
				return nil, fmt.Errorf("%s: %w", fn.Name, err)
			}
			if s.Resources, err = r.Strings(Field(st, "Resource")); err != nil {
				return nil, fmt.Errorf("%s: %w", fn.Name, err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// Environment is the function's environment variables as deployed:
// Globals' merged with its own, resolved.
func (r *Resolver) Environment(fn FunctionResource) (map[string]string, error) {
	env := map[string]string{}
	for _, vars := range []*yaml.Node{Field(r.t.Globals, "Environment", "Variables"), Field(fn.Properties, "Environment", "Variables")} {
		if vars == nil {
			continue
		}
		for i := 0; i+1 < len(vars.Content); i += 2 {
			v, err := r.String(vars.Content[i+1])
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", fn.Name, vars.Content[i].Value, err)
			}
			env[vars.Content[i].Value] = v
		}
	}
	return env, nil
}

// Architecture is the function's Lambda architecture (x86_64 when the
// template names none, as Lambda's default).
func (r *Resolver) Architecture(fn FunctionResource) (string, error) {
	a, err := r.Strings(fn.Architectures)
	if err != nil || len(a) == 0 {
		return "x86_64", err
	}
	return a[0], nil
}
