package lambdaapp_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

// TestFunctionsMatchTemplate holds template.yaml, the functions/ folders,
// their mains and the Go wiring to each other: every template function is
// built by lambdaapp.All under its logical id, from its own CodeUri folder,
// whose main starts the Function of that name; every HTTP function serves
// exactly its template routes.
func TestFunctionsMatchTemplate(t *testing.T) {
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(tpl.Path)

	var inTemplate, built []string
	for _, fn := range tpl.Functions {
		inTemplate = append(inTemplate, fn.Name)
	}
	for _, f := range lambdaapp.All() {
		built = append(built, f.Name)
	}
	sort.Strings(built)
	if !slices.Equal(inTemplate, built) {
		t.Errorf("template.yaml declares %v, lambdaapp.All builds %v", inTemplate, built)
	}

	patterns := map[string][]string{}
	for _, f := range api.Functions() {
		patterns[f.Name] = f.Patterns()
		slices.Sort(patterns[f.Name])
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "functions", "*"))
	if len(dirs) != len(tpl.Functions) {
		t.Errorf("%d function folders, %d template functions", len(dirs), len(tpl.Functions))
	}
	for _, fn := range tpl.Functions {
		var routes []string
		for _, r := range fn.Routes {
			routes = append(routes, r.Pattern())
		}
		if p, http := patterns[fn.Name]; (http || len(routes) > 0) && !slices.Equal(routes, p) {
			t.Errorf("%s: template routes %v, handler routes %v", fn.Name, routes, p)
		}
		started, err := startedFunction(filepath.Join(root, fn.CodeURI, "main.go"))
		if err != nil {
			t.Errorf("%s (CodeUri %s): %v", fn.Name, fn.CodeURI, err)
			continue
		}
		if name := functionNamed(started); name != fn.Name {
			t.Errorf("template function %s has CodeUri %s, whose main starts %s (%q)", fn.Name, fn.CodeURI, started, name)
		}
	}
}

// functionNamed is the Name of the Function a main names in Go ("api.X" or
// "lambdaapp.X"), "" when there is none.
func functionNamed(expr string) string {
	for _, f := range api.Functions() {
		if expr == "api."+f.Name {
			return f.Name
		}
	}
	for ident, f := range map[string]lambdaapp.Function{
		"lambdaapp.APIKeyAuthorizer":     lambdaapp.APIKeyAuthorizer,
		"lambdaapp.RetentionPurge":       lambdaapp.RetentionPurge,
		"lambdaapp.PublishProfileEvents": lambdaapp.PublishProfileEvents,
	} {
		if expr == ident {
			return f.Name
		}
	}
	return ""
}

// startedFunction reads a function's main.go: its main must be the one
// call lambdaapp.StartHTTP(api.X) or lambdaapp.Start(lambdaapp.X). It
// returns that argument.
func startedFunction(file string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "main" || len(fd.Body.List) != 1 {
			continue
		}
		call, ok := fd.Body.List[0].(*ast.ExprStmt).X.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			break
		}
		fun, arg := selector(call.Fun), selector(call.Args[0])
		switch {
		case fun == "lambdaapp.StartHTTP" && strings.HasPrefix(arg, "api."):
			return arg, nil
		case fun == "lambdaapp.Start" && strings.HasPrefix(arg, "lambdaapp."):
			return arg, nil
		}
	}
	return "", errNoStart
}

type startError string

func (e startError) Error() string { return string(e) }

const errNoStart = startError("main is not one call of lambdaapp.StartHTTP(api.X) or lambdaapp.Start(lambdaapp.X)")

func selector(e ast.Expr) string {
	s, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	x, ok := s.X.(*ast.Ident)
	if !ok {
		return ""
	}
	return x.Name + "." + s.Sel.Name
}

// TestSharedIsWhatTheLambdasLink: the packages the functions link are
// exactly shared/'s, so a reader knows what runs in AWS from the folder.
// Local tooling (local/, cmd/) must never be linked into a Lambda, and
// shared/ must hold nothing a Lambda does not run.
func TestSharedIsWhatTheLambdasLink(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const module = "github.com/profiles-service/profiles/"
	list := func(args ...string) []string {
		out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
		if err != nil {
			t.Fatalf("go list %v: %v", args, err)
		}
		var pkgs []string
		for _, p := range strings.Fields(string(out)) {
			if strings.HasPrefix(p, module) {
				pkgs = append(pkgs, strings.TrimPrefix(p, module))
			}
		}
		return pkgs
	}
	linked := map[string]bool{}
	for _, p := range list("-deps", module+"functions/...") {
		if strings.HasPrefix(p, "functions/") {
			continue
		}
		linked[p] = true
		if !strings.HasPrefix(p, "shared/") {
			t.Errorf("a function links %s, which is outside shared/", p)
		}
	}
	for _, p := range list(module + "shared/...") {
		if !linked[p] {
			t.Errorf("shared/ holds %s, which no function links: move it where it is used", p)
		}
	}
	if len(linked) == 0 {
		t.Fatal("go list found no package the functions link")
	}
}
