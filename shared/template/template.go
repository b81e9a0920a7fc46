// Package template reads the AWS SAM template, the one definition of the
// functions, their routes and the table, so local tools cannot drift from it.
package template

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// Function is a serverless function of the template.
type Function struct {
	Name    string // the logical id, e.g. "GetProfile"
	CodeURI string
	Routes  []Route
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
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	} `yaml:"AttributeDefinitions"`
	KeySchema               []KeyElement `yaml:"KeySchema"`
	GlobalSecondaryIndexes  []Index      `yaml:"GlobalSecondaryIndexes"`
	TimeToLiveSpecification struct {
		AttributeName string `yaml:"AttributeName"`
	} `yaml:"TimeToLiveSpecification"`
}

// Authorizer is an authorizer of the HttpApi: a JWT authorizer, or a Lambda
// authorizer implemented by one of the template's functions.
type Authorizer struct {
	Name     string
	JWT      bool
	Function string   // the Lambda authorizer's function (from FunctionArn: !GetAtt <Function>.Arn)
	Headers  []string // the Lambda authorizer's identity headers
}

// Template is the parsed template.yaml.
type Template struct {
	Functions   []Function
	Table       Table
	Authorizers map[string]Authorizer
}

type httpAPIProps struct {
	Auth struct {
		Authorizers map[string]struct {
			JwtConfiguration yaml.Node `yaml:"JwtConfiguration"`
			FunctionArn      yaml.Node `yaml:"FunctionArn"`
			Identity         struct {
				Headers []string `yaml:"Headers"`
			} `yaml:"Identity"`
		} `yaml:"Authorizers"`
	} `yaml:"Auth"`
}

type resource struct {
	Type       string    `yaml:"Type"`
	Properties yaml.Node `yaml:"Properties"`
}

type functionProps struct {
	CodeURI string `yaml:"CodeUri"`
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
	var doc struct {
		Resources map[string]resource `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Template{Authorizers: map[string]Authorizer{}}
	tables := 0
	for name, r := range doc.Resources {
		switch r.Type {
		case "AWS::Serverless::Function":
			var fp functionProps
			if err := r.Properties.Decode(&fp); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, name, err)
			}
			fn := Function{Name: name, CodeURI: fp.CodeURI}
			for _, ev := range fp.Events {
				if ev.Type != "HttpApi" {
					continue
				}
				p := ev.Properties
				fn.Routes = append(fn.Routes, Route{Function: name, Method: p.Method, Path: p.Path,
					Authorizer: p.Auth.Authorizer, Scopes: p.Auth.AuthorizationScopes})
			}
			sort.Slice(fn.Routes, func(i, j int) bool { return fn.Routes[i].Pattern() < fn.Routes[j].Pattern() })
			t.Functions = append(t.Functions, fn)
		case "AWS::Serverless::HttpApi":
			var hp httpAPIProps
			if err := r.Properties.Decode(&hp); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, name, err)
			}
			for an, a := range hp.Auth.Authorizers {
				az := Authorizer{Name: an, JWT: a.JwtConfiguration.Kind != 0, Headers: a.Identity.Headers}
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
		}
	}
	if tables != 1 {
		return nil, fmt.Errorf("%s: want exactly one AWS::DynamoDB::Table, found %d", path, tables)
	}
	sort.Slice(t.Functions, func(i, j int) bool { return t.Functions[i].Name < t.Functions[j].Name })
	return t, nil
}

// Routes lists every HttpApi route of every function.
func (t *Template) Routes() []Route {
	var out []Route
	for _, f := range t.Functions {
		out = append(out, f.Routes...)
	}
	return out
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
