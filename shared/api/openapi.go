package api

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI is the API's published contract, the OpenAPI 3.1 document of
// every route (openapi.yaml beside this file).
func OpenAPI() []byte { return bytes.Clone(openAPI) }
