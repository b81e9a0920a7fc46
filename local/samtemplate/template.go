// Package samtemplate reads the AWS SAM template, the one definition of the
// functions, their routes, authorizers and policies, and the table, so the
// local tools and the tests cannot drift from it. It is the project's only
// reader of template.yaml.
package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Route is one HttpApi event of a function.
type Route struct {
	Function   string
	Method     string
	Path       string
	Authorizer string   // the name of the HttpApi authorizer that guards it
	Scopes     []string // the scopes a JWT must carry
}

// Pattern is the route as a Go 1.22 ServeMux pattern, e.g. "GET /profiles/{profileId}".
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// FunctionResource is an AWS::Serverless::Function resource of the template:
// how the template declares one Lambda function.
type FunctionResource struct {
	Name          string // the logical id, e.g. "GetProfile"
	CodeURI       string
	Runtime       string // Globals' when the function sets none
	Architectures *yaml.Node
	Routes        []Route
	// Properties are the function's own properties, unresolved.
	Properties *yaml.Node
}

// KeyElement is one key of a table or index.
type KeyElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

// Index is a global secondary index of the table.
type Index struct {
	IndexName  string       `yaml:"IndexName"`
	KeySchema  []KeyElement `yaml:"KeySchema"`
	Projection struct {
		ProjectionType   string   `yaml:"ProjectionType"`
		NonKeyAttributes []string `yaml:"NonKeyAttributes"`
	} `yaml:"Projection"`
}

// Table is the DynamoDB table as the template defines it.
type Table struct {
	Name                 string // its logical id
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	} `yaml:"AttributeDefinitions"`
	KeySchema               []KeyElement `yaml:"KeySchema"`
	GlobalSecondaryIndexes  []Index      `yaml:"GlobalSecondaryIndexes"`
	TimeToLiveSpecification struct {
		AttributeName string `yaml:"AttributeName"`
	} `yaml:"TimeToLiveSpecification"`
	StreamSpecification struct {
		StreamViewType string `yaml:"StreamViewType"`
	} `yaml:"StreamSpecification"`
}

// Authorizer is an authorizer of the HttpApi: a JWT authorizer, or a Lambda
// authorizer implemented by one of the template's functions.
type Authorizer struct {
	Name     string
	JWT      *yaml.Node // the JWT authorizer's JwtConfiguration, unresolved; nil for a Lambda authorizer
	Function string     // the Lambda authorizer's function (from FunctionArn: !GetAtt <Function>.Arn)
	Headers  []string   // the Lambda authorizer's identity headers
	// ReauthorizeEvery is the Lambda authorizer's result cache time in
	// seconds (0: no caching).
	ReauthorizeEvery int
}

// Parameter is a template parameter.
type Parameter struct {
	Type          string   `yaml:"Type"`
	Default       *string  `yaml:"Default"`
	NoEcho        bool     `yaml:"NoEcho"`
	AllowedValues []string `yaml:"AllowedValues"`
	MinLength     *int     `yaml:"MinLength"`
	MaxLength     *int     `yaml:"MaxLength"`
	MinValue      *float64 `yaml:"MinValue"`
	MaxValue      *float64 `yaml:"MaxValue"`
}

// Resource is any resource of the template, its properties unresolved.
type Resource struct {
	Type       string    `yaml:"Type"`
	Condition  string    `yaml:"Condition"`
	Properties yaml.Node `yaml:"Properties"`
	Metadata   yaml.Node `yaml:"Metadata"`
}

// Template is the parsed template.yaml.
type Template struct {
	Path string
	// HTTPAPI is the properties of the AWS::Serverless::HttpApi, unresolved.
	HTTPAPI     *yaml.Node
	Parameters  map[string]Parameter
	Conditions  map[string]*yaml.Node
	Resources   map[string]Resource
	Globals     *yaml.Node         // Globals.Function, unresolved
	Functions   []FunctionResource // sorted by name
	Table       Table
	Authorizers map[string]Authorizer
}

type document struct {
	Parameters map[string]Parameter `yaml:"Parameters"`
	Conditions map[string]yaml.Node `yaml:"Conditions"`
	Globals    struct {
		Function yaml.Node `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]Resource `yaml:"Resources"`
}

type httpAPIProps struct {
	Auth struct {
		Authorizers map[string]struct {
			JwtConfiguration yaml.Node `yaml:"JwtConfiguration"`
			FunctionArn      yaml.Node `yaml:"FunctionArn"`
			Identity         struct {
				Headers          []string `yaml:"Headers"`
				ReauthorizeEvery int      `yaml:"ReauthorizeEvery"`
			} `yaml:"Identity"`
		} `yaml:"Authorizers"`
	} `yaml:"Auth"`
}

type functionProps struct {
	CodeURI string `yaml:"CodeUri"`
	Runtime string `yaml:"Runtime"`
	Events  map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			Path   string `yaml:"Path"`
			Method string `yaml:"Method"`
			Auth   struct {
				Authorizer          string   `yaml:"Authorizer"`
				AuthorizationScopes []string `yaml:"AuthorizationScopes"`
			} `yaml:"Auth"`
		} `yaml:"Properties"`
	} `yaml:"Events"`
}

// Load reads a SAM template.
func Load(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc document
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Template{Path: path, Parameters: doc.Parameters, Conditions: map[string]*yaml.Node{}, Resources: doc.Resources,
		Globals: &doc.Globals.Function, Authorizers: map[string]Authorizer{}}
	for name, c := range doc.Conditions {
		t.Conditions[name] = &c
	}
	var globals functionProps
	if err := doc.Globals.Function.Decode(&globals); err != nil {
		return nil, fmt.Errorf("%s: Globals: %w", path, err)
	}
	tables := 0
	for name, r := range doc.Resources {
		switch r.Type {
		case "AWS::Serverless::Function":
			fn, err := function(name, r, globals.Runtime, t.Globals)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, name, err)
			}
			t.Functions = append(t.Functions, fn)
		case "AWS::Serverless::HttpApi":
			var hp httpAPIProps
			if err := r.Properties.Decode(&hp); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, name, err)
			}
			props := r.Properties
			t.HTTPAPI = &props
			for an, a := range hp.Auth.Authorizers {
				az := Authorizer{Name: an, Headers: a.Identity.Headers, ReauthorizeEvery: a.Identity.ReauthorizeEvery}
				if a.JwtConfiguration.Kind != 0 {
					jwt := a.JwtConfiguration
					az.JWT = &jwt
				}
				if a.FunctionArn.Tag == "!GetAtt" {
					az.Function = strings.TrimSuffix(a.FunctionArn.Value, ".Arn")
				}
				t.Authorizers[an] = az
			}
		case "AWS::DynamoDB::Table":
			tables++
			if err := r.Properties.Decode(&t.Table); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, name, err)
			}
			t.Table.Name = name
		}
	}
	if tables != 1 {
		return nil, fmt.Errorf("%s: want exactly one AWS::DynamoDB::Table, found %d", path, tables)
	}
	sort.Slice(t.Functions, func(i, j int) bool { return t.Functions[i].Name < t.Functions[j].Name })
	return t, nil
}

func function(name string, r Resource, globalRuntime string, globals *yaml.Node) (FunctionResource, error) {
	var fp functionProps
	if err := r.Properties.Decode(&fp); err != nil {
		return FunctionResource{}, err
	}
	props := r.Properties
	fn := FunctionResource{Name: name, CodeURI: fp.CodeURI, Runtime: fp.Runtime, Properties: &props,
		Architectures: field(&props, "Architectures")}
	if fn.Runtime == "" {
		fn.Runtime = globalRuntime
	}
	if fn.Architectures == nil {
		fn.Architectures = field(globals, "Architectures")
	}
	for _, ev := range fp.Events {
		if ev.Type != "HttpApi" {
			continue
		}
		p := ev.Properties
		fn.Routes = append(fn.Routes, Route{Function: name, Method: p.Method, Path: p.Path,
			Authorizer: p.Auth.Authorizer, Scopes: p.Auth.AuthorizationScopes})
	}
	sort.Slice(fn.Routes, func(i, j int) bool { return fn.Routes[i].Pattern() < fn.Routes[j].Pattern() })
	return fn, nil
}

// field is the value of key in a mapping node, or nil.
func field(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Field is the value at the path of keys below n (a mapping node), or nil.
func Field(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n = field(n, k); n == nil {
			return nil
		}
	}
	return n
}

// ResourcesOfType lists the logical ids of the resources of a type, in order.
func (t *Template) ResourcesOfType(typ string) []string {
	var out []string
	for name, r := range t.Resources {
		if r.Type == typ {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Routes lists every HttpApi route of every function.
func (t *Template) Routes() []Route {
	var out []Route
	for _, f := range t.Functions {
		out = append(out, f.Routes...)
	}
	return out
}

// Function returns the function with the logical id.
func (t *Template) Function(name string) (FunctionResource, bool) {
	for _, f := range t.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return FunctionResource{}, false
}

// Find returns the path of template.yaml in dir or the nearest parent that has one.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "template.yaml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("template.yaml not found")
		}
		dir = parent
	}
}

// FindAndLoad loads the template.yaml that Find finds from dir.
func FindAndLoad(dir string) (*Template, error) {
	p, err := Find(dir)
	if err != nil {
		return nil, err
	}
	return Load(p)
}

// Accepts is the check CloudFormation makes of a value for the parameter.
func (p Parameter) Accepts(v string) error {
	if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, v) {
		return fmt.Errorf("not one of %v", p.AllowedValues)
	}
	switch p.Type {
	case "Number":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		if (p.MinValue != nil && n < *p.MinValue) || (p.MaxValue != nil && n > *p.MaxValue) {
			return fmt.Errorf("out of the range %v..%v", bound(p.MinValue), bound(p.MaxValue))
		}
	case "String":
		if (p.MinLength != nil && len(v) < *p.MinLength) || (p.MaxLength != nil && len(v) > *p.MaxLength) {
			return fmt.Errorf("length %d out of bounds", len(v))
		}
	case "CommaDelimitedList":
		for _, item := range strings.Split(v, ",") {
			if strings.TrimSpace(item) == "" {
				return fmt.Errorf("empty list item")
			}
		}
	default:
		return fmt.Errorf("parameter type %q is not checked here: add it", p.Type)
	}
	return nil
}

func bound(f *float64) any {
	if f == nil {
		return "∞"
	}
	return *f
}
