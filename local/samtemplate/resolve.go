package samtemplate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Resolver evaluates the intrinsic functions of the template's values as
// CloudFormation would for one deployment: parameters take Params or their
// defaults, a resource's Ref is its physical name in Names (its logical id
// when absent), and ARNs are built in Region and Account.
type Resolver struct {
	t       *Template
	Params  map[string]string
	Names   map[string]string
	Region  string
	Account string
}

// Resolver returns a resolver of the template with the parameters' defaults,
// in us-east-1 and the account 123456789012 (the local stand-ins' ids).
func (t *Template) Resolver() *Resolver {
	return &Resolver{t: t, Params: map[string]string{}, Names: map[string]string{},
		Region: "us-east-1", Account: "123456789012"}
}

// noValue is AWS::NoValue: the property is removed.
type noValue struct{}

// String resolves n to one string.
func (r *Resolver) String(n *yaml.Node) (string, error) {
	v, err := r.eval(n)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case noValue:
		return "", nil
	}
	return "", fmt.Errorf("line %d: %v is not a string", n.Line, v)
}

// Strings resolves n to a list of strings: a sequence, a
// CommaDelimitedList parameter, or one string.
func (r *Resolver) Strings(n *yaml.Node) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	v, err := r.eval(n)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []string:
		return v, nil
	case noValue:
		return nil, nil
	}
	return nil, fmt.Errorf("line %d: %v is not a list of strings", n.Line, v)
}

// Condition evaluates a condition of the template's Conditions.
func (r *Resolver) Condition(name string) (bool, error) {
	c, ok := r.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	return r.truth(c)
}

func (r *Resolver) truth(n *yaml.Node) (bool, error) {
	args := n.Content
	switch n.Tag {
	case "!Equals":
		if len(args) != 2 {
			return false, fmt.Errorf("line %d: !Equals takes two values", n.Line)
		}
		a, err := r.String(args[0])
		if err != nil {
			return false, err
		}
		b, err := r.String(args[1])
		return a == b, err
	case "!Not":
		if len(args) != 1 {
			return false, fmt.Errorf("line %d: !Not takes one condition", n.Line)
		}
		v, err := r.truth(args[0])
		return !v, err
	case "!And", "!Or":
		and := n.Tag == "!And"
		for _, a := range args {
			v, err := r.truth(a)
			if err != nil {
				return false, err
			}
			if v != and {
				return v, nil
			}
		}
		return and, nil
	case "!Condition":
		return r.Condition(n.Value)
	}
	if c := field(n, "Condition"); c != nil {
		return r.Condition(c.Value)
	}
	return false, fmt.Errorf("line %d: %s is not a condition", n.Line, n.Tag)
}

// Param is the value of a parameter: Params, or its default.
func (r *Resolver) Param(name string) (string, bool) {
	if v, ok := r.Params[name]; ok {
		return v, true
	}
	p, ok := r.t.Parameters[name]
	if !ok || p.Default == nil {
		return "", false
	}
	return *p.Default, true
}

// nameProperty is the property that names a resource of a type, where the
// template may set it; without it CloudFormation generates a name.
var nameProperty = map[string]string{
	"AWS::DynamoDB::Table":        "TableName",
	"AWS::Events::EventBus":       "Name",
	"AWS::SQS::Queue":             "QueueName",
	"AWS::SNS::Topic":             "TopicName",
	"AWS::SecretsManager::Secret": "Name",
	"AWS::Logs::LogGroup":         "LogGroupName",
	"AWS::Serverless::Function":   "FunctionName",
}

// Name is the physical name of a resource: Names, or the name the template
// gives it, or (for a name CloudFormation would generate) its logical id.
func (r *Resolver) Name(logical string) (string, error) {
	if n, ok := r.Names[logical]; ok {
		return n, nil
	}
	if res, ok := r.t.Resources[logical]; ok {
		if n := Field(&res.Properties, nameProperty[res.Type]); n != nil {
			return r.String(n)
		}
	}
	return logical, nil
}

// ARN is the ARN of a resource of the template.
func (r *Resolver) ARN(logical string) (string, error) {
	res, ok := r.t.Resources[logical]
	if !ok {
		return "", fmt.Errorf("no resource %s", logical)
	}
	name, err := r.Name(logical)
	if err != nil {
		return "", err
	}
	switch res.Type {
	case "AWS::DynamoDB::Table":
		return "arn:aws:dynamodb:" + r.Region + ":" + r.Account + ":table/" + name, nil
	case "AWS::Events::EventBus":
		return "arn:aws:events:" + r.Region + ":" + r.Account + ":event-bus/" + name, nil
	case "AWS::SQS::Queue":
		return "arn:aws:sqs:" + r.Region + ":" + r.Account + ":" + name, nil
	case "AWS::SNS::Topic":
		return "arn:aws:sns:" + r.Region + ":" + r.Account + ":" + name, nil
	case "AWS::SecretsManager::Secret":
		return "arn:aws:secretsmanager:" + r.Region + ":" + r.Account + ":secret:" + name, nil
	case "AWS::Logs::LogGroup":
		return "arn:aws:logs:" + r.Region + ":" + r.Account + ":log-group:" + name + ":*", nil
	case "AWS::Serverless::Function":
		return "arn:aws:lambda:" + r.Region + ":" + r.Account + ":function:" + name, nil
	}
	return "", fmt.Errorf("no ARN known for %s (%s)", logical, res.Type)
}

func (r *Resolver) getAtt(ref string) (string, error) {
	logical, attr, ok := strings.Cut(ref, ".")
	if !ok {
		return "", fmt.Errorf("!GetAtt %s: want Resource.Attribute", ref)
	}
	switch attr {
	case "Arn":
		return r.ARN(logical)
	case "StreamArn":
		arn, err := r.ARN(logical)
		return arn + "/stream/*", err
	}
	return "", fmt.Errorf("!GetAtt %s: attribute %s is not known here", ref, attr)
}

func (r *Resolver) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.Region, nil
	case "AWS::AccountId":
		return r.Account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return "local", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if p, ok := r.t.Parameters[name]; ok {
		v, ok := r.Param(name)
		if !ok {
			return nil, fmt.Errorf("parameter %s has no value and no default", name)
		}
		if p.Type == "CommaDelimitedList" {
			items := strings.Split(v, ",")
			for i := range items {
				items[i] = strings.TrimSpace(items[i])
			}
			return items, nil
		}
		return v, nil
	}
	if _, ok := r.t.Resources[name]; ok {
		return r.Name(name)
	}
	return nil, fmt.Errorf("!Ref %s: no parameter or resource of that name", name)
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func (r *Resolver) sub(s string) (string, error) {
	var err error
	out := subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		var v any
		var e error
		if strings.Contains(name, ".") && !strings.HasPrefix(name, "AWS::") {
			v, e = r.getAtt(name)
		} else {
			v, e = r.ref(name)
		}
		s, ok := v.(string)
		if e == nil && !ok {
			e = fmt.Errorf("!Sub ${%s} is not a string", name)
		}
		if e != nil && err == nil {
			err = e
		}
		return s
	})
	return out, err
}

// eval evaluates a node to a string, a []string or noValue.
func (r *Resolver) eval(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return r.eval(n.Alias)
	}
	switch n.Tag {
	case "!Ref":
		return r.ref(n.Value)
	case "!GetAtt":
		return r.getAtt(n.Value)
	case "!Sub":
		if n.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: only !Sub of a string is read here", n.Line)
		}
		return r.sub(n.Value)
	case "!If":
		if len(n.Content) != 3 {
			return nil, fmt.Errorf("line %d: !If takes a condition and two values", n.Line)
		}
		ok, err := r.Condition(n.Content[0].Value)
		if err != nil {
			return nil, err
		}
		if ok {
			return r.eval(n.Content[1])
		}
		return r.eval(n.Content[2])
	case "!Join":
		if len(n.Content) != 2 {
			return nil, fmt.Errorf("line %d: !Join takes a separator and a list", n.Line)
		}
		parts, err := r.Strings(n.Content[1])
		return strings.Join(parts, n.Content[0].Value), err
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			v, err := r.eval(c)
			if err != nil {
				return nil, err
			}
			switch v := v.(type) {
			case string:
				out = append(out, v)
			case []string:
				out = append(out, v...)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: a %s is not a value this reader resolves", n.Line, n.Tag)
}

// Number resolves n to an integer.
func (r *Resolver) Number(n *yaml.Node) (int, error) {
	s, err := r.String(n)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}
