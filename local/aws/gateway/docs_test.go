package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/api"
)

func get(t *testing.T, g *Gateway, path string) (*http.Response, string) {
	t.Helper()
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	body, _ := io.ReadAll(w.Result().Body)
	return w.Result(), string(body)
}

func TestDocsRoutes(t *testing.T) {
	g, err := New(&samtemplate.Template{}, nil, "secret")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, g, "/openapi.yaml")
	// httptest's requests reach example.com: only the local server differs.
	want := bytes.Replace(api.OpenAPI(), []byte(documentedLocalServer), []byte("url: http://example.com"), 1)
	if resp.StatusCode != 200 || !bytes.Equal([]byte(body), want) || resp.Header.Get("Content-Type") != "application/yaml" {
		t.Errorf("/openapi.yaml: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}

	t.Setenv("SWAGGER_UI_DIR", t.TempDir())
	resp, body = get(t, g, "/docs")
	if resp.StatusCode != 404 || !strings.Contains(body, "make docs-ui") {
		t.Errorf("/docs without Swagger UI: %d %s", resp.StatusCode, body)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "swagger-ui-bundle.js"), []byte("// bundle"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWAGGER_UI_DIR", dir)
	resp, body = get(t, g, "/docs")
	if resp.StatusCode != 200 || !strings.Contains(body, `url: "/openapi.yaml"`) {
		t.Errorf("/docs: %d %s", resp.StatusCode, body)
	}
	if resp, body = get(t, g, "/docs/swagger-ui-bundle.js"); resp.StatusCode != 200 || body != "// bundle" {
		t.Errorf("/docs/swagger-ui-bundle.js: %d %q", resp.StatusCode, body)
	}
	if resp, _ = get(t, g, "/docs/missing.js"); resp.StatusCode != 404 {
		t.Errorf("/docs/missing.js: %d", resp.StatusCode)
	}
}

// TestDocsCallTheServedPort: the document the local API serves names the
// address it was reached at, so "Try it out" calls it whatever its PORT.
func TestDocsCallTheServedPort(t *testing.T) {
	if !bytes.Contains(api.OpenAPI(), []byte(documentedLocalServer)) {
		t.Fatalf("openapi.yaml no longer names %q: update localServer", documentedLocalServer)
	}
	g, err := New(&samtemplate.Template{}, nil, "secret")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/openapi.yaml", nil)
	req.Host = "127.0.0.1:4123"
	g.ServeHTTP(w, req)
	if body := w.Body.String(); !strings.Contains(body, "url: http://127.0.0.1:4123\n") || strings.Contains(body, "127.0.0.1:3000") {
		t.Errorf("served document's local server is not the port it was reached at:\n%.400s", body)
	}
}
