package gateway

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/api"
)

// SwaggerUIPackage is the npm package `make docs-ui` installs for GET /docs.
const SwaggerUIPackage = "swagger-ui-dist@5.35.0"

// serveDocs adds what only the local API serves, without auth: the API's
// contract at GET /openapi.yaml and a reference page for it at GET /docs
// (Swagger UI, from files `make docs-ui` installs under .local/, so the page
// works offline). The deployed HTTP API has no such routes.
func (g *Gateway) serveDocs() {
	g.mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(localServer(api.OpenAPI(), r))
	})
	g.mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		if _, err := swaggerUIDir(); err != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "The reference page needs Swagger UI, which is not installed: run `make docs-ui`\n"+
				"(npm install %s into .local/swagger-ui), then reload.\nThe contract itself is at /openapi.yaml.\n", SwaggerUIPackage)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(docsPage))
	})
	g.mux.HandleFunc("GET /docs/{file}", func(w http.ResponseWriter, r *http.Request) {
		dir, err := swaggerUIDir()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		http.ServeFileFS(w, r, os.DirFS(dir), r.PathValue("file"))
	})
}

// swaggerUIDir is where swagger-ui-dist's files are: $SWAGGER_UI_DIR, or
// .local/swagger-ui/node_modules/swagger-ui-dist beside template.yaml.
func swaggerUIDir() (string, error) {
	dir := os.Getenv("SWAGGER_UI_DIR")
	if dir == "" {
		tpl, err := samtemplate.Find(".")
		if err != nil {
			return "", err
		}
		dir = filepath.Join(filepath.Dir(tpl), ".local", "swagger-ui", "node_modules", "swagger-ui-dist")
	}
	if _, err := os.Stat(filepath.Join(dir, "swagger-ui-bundle.js")); err != nil {
		return "", err
	}
	return dir, nil
}

// docsPage shows /openapi.yaml with Swagger UI's standalone layout.
const docsPage = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Profiles &amp; Contacts API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.yaml",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      deepLinking: true,
      validatorUrl: null
    });
  </script>
</body>
</html>
`

// documentedLocalServer is the local API's URL in openapi.yaml's servers.
const documentedLocalServer = "url: http://127.0.0.1:3000"

// localServer is the document with its local server at the address the
// request reached (its Host: PORT may not be 3000), so /docs' "Try it out"
// calls this API.
func localServer(doc []byte, r *http.Request) []byte {
	return bytes.Replace(doc, []byte(documentedLocalServer), []byte("url: http://"+r.Host), 1)
}
