package lambdaapp_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
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
	for _, e := range api.Endpoints() {
		patterns[e.Name] = e.Patterns()
		slices.Sort(patterns[e.Name])
	}
	vars, err := functionVars()
	if err != nil {
		t.Fatalf("lambdaapp's Function variables: %v", err)
	}
	var others, declared []string
	for _, f := range lambdaapp.Others {
		others = append(others, f.Name)
	}
	for _, name := range vars {
		declared = append(declared, name)
	}
	slices.Sort(others)
	slices.Sort(declared)
	if !slices.Equal(others, declared) {
		t.Errorf("lambdaapp.Others is %v, lambdaapp declares the Function variables %v", others, declared)
	}

	dirs, err := filepath.Glob(filepath.Join(root, "functions", "*"))
	if err != nil {
		t.Fatal(err)
	}
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
		if name := functionNamed(started, vars); name != fn.Name {
			t.Errorf("template function %s has CodeUri %s, whose main starts %s (%q)", fn.Name, fn.CodeURI, started, name)
		}
	}
}

// functionNamed is the Name of the Function a main names in Go ("api.X",
// or "lambdaapp.X" for one of lambdaapp.Others), "" when there is none.
// vars are lambdaapp's Function variables (functionVars).
func functionNamed(expr string, vars map[string]string) string {
	for _, e := range api.Endpoints() {
		if expr == "api."+e.Name {
			return e.Name
		}
	}
	ident, ok := strings.CutPrefix(expr, "lambdaapp.")
	if !ok {
		return ""
	}
	name, ok := vars[ident]
	if !ok {
		return ""
	}
	for _, f := range lambdaapp.Others {
		if f.Name == name {
			return f.Name
		}
	}
	return ""
}

// functionVars reads the package's own source (the test runs in its
// folder): its package-level variables that are a Function literal, each
// identifier with the Name the literal gives. A main names a Function by
// its identifier, which need not be its Name (APIKeyAuthorizer is
// "ApiKeyAuthorizer").
func functionVars() (map[string]string, error) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs, ok := spec.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, v := range vs.Values {
					lit, ok := v.(*ast.CompositeLit)
					if !ok || i >= len(vs.Names) {
						continue
					}
					if typ, ok := lit.Type.(*ast.Ident); !ok || typ.Name != "Function" {
						continue
					}
					name, err := literalName(lit)
					if err != nil {
						return nil, fmt.Errorf("%s: var %s: %w", file, vs.Names[i].Name, err)
					}
					vars[vs.Names[i].Name] = name
				}
			}
		}
	}
	return vars, nil
}

// literalName is the Name a Function literal gives, a string literal.
func literalName(lit *ast.CompositeLit) (string, error) {
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "Name" {
			continue
		}
		if v, ok := kv.Value.(*ast.BasicLit); ok && v.Kind == token.STRING {
			return strconv.Unquote(v.Value)
		}
		return "", errors.New("its Name is not a string literal")
	}
	return "", errors.New("it sets no Name")
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
		stmt, ok := fd.Body.List[0].(*ast.ExprStmt)
		if !ok {
			return "", fmt.Errorf("%w: its statement is a %T", errNoStart, fd.Body.List[0])
		}
		call, ok := stmt.X.(*ast.CallExpr)
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

var errNoStart = errors.New("main is not one call of lambdaapp.StartHTTP(api.X) or lambdaapp.Start(lambdaapp.X)")

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

// TestStartedFunction: startedFunction returns the Function a main starts,
// and reports, without panicking, a main that is anything else.
func TestStartedFunction(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i, tt := range []struct {
		main string
		want string // "" means an error
	}{
		{"func main() { lambdaapp.StartHTTP(api.GetProfile) }", "api.GetProfile"},
		{"func main() { lambdaapp.Start(lambdaapp.RetentionPurge) }", "lambdaapp.RetentionPurge"},
		{"func main() { lambdaapp.Start(api.GetProfile) }", ""},
		{"func main() { lambdaapp.StartHTTP(lambdaapp.RetentionPurge) }", ""},
		{"func main() { lambdaapp.Start(lambdaapp.RetentionPurge, nil) }", ""},
		{"func main() { lambdaapp.Start(lambdaapp.RetentionPurge); select {} }", ""},
		{"func main() { var _ = lambdaapp.RetentionPurge }", ""},
		{"func main() { go lambdaapp.Start(lambdaapp.RetentionPurge) }", ""},
		{"func main() { defer lambdaapp.Start(lambdaapp.RetentionPurge) }", ""},
		{"func main() { lambdaapp.Start }", ""},
		{"func main() {}", ""},
		{"func start() { lambdaapp.Start(lambdaapp.RetentionPurge) }", ""},
	} {
		file := filepath.Join(dir, fmt.Sprintf("main%d.go", i))
		if err := os.WriteFile(file, []byte("package main\n\n"+tt.main+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := startedFunction(file)
		switch {
		case tt.want != "" && (got != tt.want || err != nil):
			t.Errorf("%s: startedFunction = %q, %v; want %q", tt.main, got, err, tt.want)
		case tt.want == "" && (got != "" || !errors.Is(err, errNoStart)):
			t.Errorf("%s: startedFunction = %q, %v; want errNoStart", tt.main, got, err)
		}
	}
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
