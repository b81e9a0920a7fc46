package lambdaapp_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/template"
)

// TestTemplateFunctionsAndHandlersAgree checks that template.yaml's
// functions and routes, the functions/ folders and the handlers' routes
// table are the same set.
func TestTemplateFunctionsAndHandlersAgree(t *testing.T) {
	path, err := template.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(path)

	var tplRoutes, codeRoutes []string
	for _, r := range tpl.Routes() {
		tplRoutes = append(tplRoutes, r.Function+" "+r.Pattern())
	}
	for _, r := range api.Routes() {
		codeRoutes = append(codeRoutes, r.Function+" "+r.Pattern)
	}
	slices.Sort(tplRoutes)
	slices.Sort(codeRoutes)
	if !slices.Equal(tplRoutes, codeRoutes) {
		t.Errorf("template routes:\n%s\nhandler routes:\n%s", strings.Join(tplRoutes, "\n"), strings.Join(codeRoutes, "\n"))
	}

	dirs, _ := filepath.Glob(filepath.Join(root, "functions", "*"))
	start := regexp.MustCompile(`lambdaapp\.Start\("(\w+)"\)`)
	byDir := map[string]string{}
	for _, d := range dirs {
		src, err := os.ReadFile(filepath.Join(d, "main.go"))
		if err != nil {
			t.Errorf("%s: %v", d, err)
			continue
		}
		m := start.FindSubmatch(src)
		if m == nil {
			t.Errorf("%s/main.go does not call lambdaapp.Start", d)
			continue
		}
		byDir["functions/"+filepath.Base(d)] = string(m[1])
	}
	if len(byDir) != len(tpl.Functions) {
		t.Errorf("%d function folders, %d template functions", len(byDir), len(tpl.Functions))
	}
	for _, fn := range tpl.Functions {
		if got := byDir[fn.CodeURI]; got != fn.Name {
			t.Errorf("template function %s has CodeUri %s whose main starts %q", fn.Name, fn.CodeURI, got)
		}
		if _, err := lambdaapp.Handler(lambdaapp.Deps{}, fn.Name); err != nil {
			t.Errorf("no handler for %s: %v", fn.Name, err)
		}
	}
}

// TestLeastPrivilege pins each function's DynamoDB actions to the calls its
// code makes (transactions need the actions of their items).
func TestLeastPrivilege(t *testing.T) {
	path, err := template.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Policies []struct {
					Statement []struct {
						Action []string `yaml:"Action"`
					} `yaml:"Statement"`
				} `yaml:"Policies"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	const get, query, put, del = "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"
	want := map[string][]string{
		"ListProfiles":     {get, query},      // index pages; uuid marker and profile reads
		"GetProfile":       {get},             // one profile item
		"CreateProfile":    {get, put, del},   // transaction of puts; marker owner on conflict; idempotency record
		"UpdateProfile":    {get, put, del},   // read, put profile, move uuid marker
		"DeleteProfile":    {get, del},        // read, delete profile, contacts, markers
		"ListContacts":     {get},             // contacts are embedded in the profile item
		"GetContact":       {get},             // one contact item
		"CreateContact":    {get, put, del},   // put contact and profile; idempotency record
		"UpdateContact":    {get, put},        // put contact and profile
		"DeleteContact":    {get, put, del},   // delete contact, put profile
		"UpdateMyProfile":  {get, put, del},   // upsert; a replaced duplicate email contact; idempotency record
		"GetMyProfile":     {get},             // user marker, profile
		"GetUserProfile":   {get},             // user marker, profile
		"ApiKeyAuthorizer": {get},             // the key's hash item
		"RetentionPurge":   {get, query, del}, // the disabled index, the profile, its delete
	}
	for name, r := range doc.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		var got []string
		for _, p := range r.Properties.Policies {
			for _, st := range p.Statement {
				got = append(got, st.Action...)
			}
		}
		slices.Sort(got)
		w := slices.Clone(want[name])
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s may %v, want %v", name, got, w)
		}
	}
}
