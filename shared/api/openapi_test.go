package api

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/country"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI())
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestOpenAPIRoutesMatchTemplate holds the published contract to the routes
// API Gateway serves: every route of template.yaml is a path and method of
// openapi.yaml, and the document has no other.
func TestOpenAPIRoutesMatchTemplate(t *testing.T) {
	doc := loadOpenAPI(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	tplPath, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(tplPath)
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for _, r := range tpl.Routes() {
		served = append(served, r.Pattern())
	}
	sort.Strings(documented)
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Errorf("openapi.yaml and template.yaml name different routes:\n document: %v\n template: %v\n only in the document: %v\n only in the template: %v",
			documented, served, minus(documented, served), minus(served, documented))
	}
}

// TestOpenAPISecurityMatchesTemplate checks each operation asks for the
// credential and scopes its route's authorizer checks.
func TestOpenAPISecurityMatchesTemplate(t *testing.T) {
	doc := loadOpenAPI(t)
	tplPath, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(tplPath)
	if err != nil {
		t.Fatal(err)
	}
	schemeOf := map[string]string{"AdminAuthorizer": "adminAuth", "UserAuthorizer": "userAuth", "ApiKeyAuthorizer": "apiKeyAuth"}
	for _, r := range tpl.Routes() {
		op := doc.Paths.Find(r.Path).GetOperation(r.Method)
		if op == nil || op.Security == nil || len(*op.Security) != 1 {
			t.Errorf("%s: want exactly one security requirement", r.Pattern())
			continue
		}
		want := schemeOf[r.Authorizer]
		scopes, ok := (*op.Security)[0][want]
		if !ok || len((*op.Security)[0]) != 1 {
			t.Errorf("%s: security %v, want %s", r.Pattern(), (*op.Security)[0], want)
			continue
		}
		if !slices.Equal(scopes, r.Scopes) && !(len(scopes) == 0 && len(r.Scopes) == 0) {
			t.Errorf("%s: scopes %v, template has %v", r.Pattern(), scopes, r.Scopes)
		}
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestOpenAPICountryCodes keeps the document's country codes those the
// service knows.
func TestOpenAPICountryCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	var documented []string
	for _, v := range doc.Components.Schemas["CountryCode"].Value.Enum {
		documented = append(documented, v.(string))
	}
	var known []string
	for _, c := range country.All() {
		known = append(known, c.Numeric)
	}
	sort.Strings(documented)
	sort.Strings(known)
	if !slices.Equal(documented, known) {
		t.Errorf("CountryCode lists %d codes, the service knows %d: only documented %v, only known %v",
			len(documented), len(known), minus(documented, known), minus(known, documented))
	}
}
