package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/shared/api"
)

// The published contract, shared/api/openapi.yaml, holds every exchange:
//
//   - Every response is validated against the operation's documented
//     responses: its status must be documented, and its Content-Type, body
//     and documented headers must match. A field the code adds or drops
//     without the document fails here.
//   - Every request is validated, but an invalid one is not a failure by
//     itself: many tests send invalid requests on purpose and expect a 4xx.
//     It fails only when the service accepts it (a 2xx): then the service
//     takes what the contract forbids, so one of them is wrong.
//   - A request to a path and method the document lacks fails when the
//     service serves it with a 2xx.
var contract = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		return nil, err
	}
	// Test servers listen on random ports: match paths on any host.
	doc.Servers = nil
	// NewRouter validates the document; TestOpenAPI* in shared/api check its examples.
	return legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
})

// contractOptions validate as strictly as the document allows and leave the
// request as it is (no defaults filled in).
var contractOptions = func() *openapi3filter.Options {
	o := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		SkipSettingDefaults:   true,
		AuthenticationFunc:    credentialPresent,
	}
	// Name the place and the reason, without dumping the whole schema.
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("at /%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
	})
	return o
}()

// credentialPresent checks a request carries the kind of credential its
// operation asks for; whether it is good is the gateway's business.
func credentialPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	switch in.SecurityScheme.Type {
	case "http":
		if _, ok := gateway.IdentityToken(h.Get("Authorization")); !ok {
			return in.NewError(fmt.Errorf("no Bearer token"))
		}
	case "apiKey":
		if h.Get(in.SecurityScheme.Name) == "" {
			return in.NewError(fmt.Errorf("no %s header", in.SecurityScheme.Name))
		}
	}
	return nil
}

// Exchange is one request as checked against the contract, waiting for
// its response.
type Exchange struct {
	what    string // "METHOD /path?query"
	input   *openapi3filter.RequestValidationInput
	reqErr  error // why the contract rejects the request, if it does
	noRoute error
}

// CheckRequest validates a copy of req, whose body is raw, so the request
// itself stays byte for byte what the test built. A request as a server
// receives it (no scheme or host in its URL) is checked on its Host.
func CheckRequest(req *http.Request, raw []byte) *Exchange {
	ex := &Exchange{what: req.Method + " " + req.URL.RequestURI()}
	router, err := contract()
	if err != nil {
		panic("openapi.yaml does not load: " + err.Error())
	}
	clone := req.Clone(context.Background())
	clone.Body = io.NopCloser(bytes.NewReader(raw))
	// openapi.yaml: "The body is read as JSON whatever the Content-Type
	// says". So is it checked: the references' own curl commands send no
	// Content-Type, and curl labels their JSON application/x-www-form-urlencoded.
	if len(raw) > 0 && !isJSON(clone.Header.Get("Content-Type")) {
		clone.Header.Set("Content-Type", "application/json")
	}
	if clone.URL.Host == "" {
		clone.URL.Scheme, clone.URL.Host = "http", req.Host
	}
	route, params, err := router.FindRoute(clone)
	if err != nil {
		ex.noRoute = err
		return ex
	}
	ex.input = &openapi3filter.RequestValidationInput{Request: clone, PathParams: params, Route: route, Options: contractOptions}
	ex.reqErr = openapi3filter.ValidateRequest(context.Background(), ex.input)
	return ex
}

// isJSON reports whether a Content-Type is application/json, with or
// without parameters.
func isJSON(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), "application/json")
}

// String is the request as "METHOD /path?query", for a test's messages.
func (ex *Exchange) String() string { return ex.what }

// Response is nil when the exchange keeps the contract, else why not.
func (ex *Exchange) Response(status int, header http.Header, body []byte) error {
	ok := status >= 200 && status < 300
	if ex.input == nil {
		if ok {
			return fmt.Errorf("contract: %s answered %d but is no operation of openapi.yaml: %w", ex.what, status, ex.noRoute)
		}
		return nil
	}
	if ok && ex.reqErr != nil {
		return fmt.Errorf("contract: %s was accepted (%d) although openapi.yaml rejects the request: %w", ex.what, status, ex.reqErr)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: ex.input, Status: status, Header: header, Options: contractOptions,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("contract: the response to %s breaks openapi.yaml: %w\nstatus %d, body: %.500s", ex.what, err, status, body)
	}
	return nil
}
