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
	if resp.StatusCode != 200 || !bytes.Equal([]byte(body), api.OpenAPI()) || resp.Header.Get("Content-Type") != "application/yaml" {
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
