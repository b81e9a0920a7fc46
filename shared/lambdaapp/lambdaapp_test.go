package lambdaapp_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

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
