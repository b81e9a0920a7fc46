package gateway

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// cors is the HttpApi's CorsConfiguration, applied as API Gateway applies
// it (API Gateway developer guide, "Configuring CORS for an HTTP API"): it
// answers preflight OPTIONS requests itself, with no authorizer or
// function involved, and adds the configured headers to every answer of a
// request with an Origin, ignoring CORS headers a function returns.
type cors struct {
	origins, methods, headers, expose []string
	credentials                       bool
	maxAge                            string
}

// newCORS reads the HttpApi's CorsConfiguration; nil when it has none.
func newCORS(t *samtemplate.Template) (*cors, error) {
	cfg := samtemplate.Field(t.HTTPAPI, "CorsConfiguration")
	if cfg == nil {
		return nil, nil
	}
	res := t.Resolver()
	c := &cors{}
	for _, f := range []struct {
		key string
		dst *[]string
	}{{"AllowOrigins", &c.origins}, {"AllowMethods", &c.methods}, {"AllowHeaders", &c.headers}, {"ExposeHeaders", &c.expose}} {
		v, err := res.Strings(samtemplate.Field(cfg, f.key))
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	if n := samtemplate.Field(cfg, "MaxAge"); n != nil {
		c.maxAge = n.Value
	}
	if b := samtemplate.Field(cfg, "AllowCredentials"); b != nil {
		c.credentials, _ = strconv.ParseBool(b.Value)
	}
	return c, nil
}

// allowOrigin is the Access-Control-Allow-Origin for an Origin, "" when
// the origin is not allowed.
func (c *cors) allowOrigin(origin string) string {
	for _, o := range c.origins {
		switch {
		case o == "*":
			return "*"
		case strings.EqualFold(o, origin):
			return origin
		case strings.HasSuffix(o, "://*") && strings.HasPrefix(origin, strings.TrimSuffix(o, "*")):
			return origin
		}
	}
	return ""
}

// preflight answers a CORS preflight: "For the OPTIONS method, your request
// must contain an origin header and an Access-Control-Request-Method
// header." It reports whether r was one.
func (c *cors) preflight(w http.ResponseWriter, r *http.Request) bool {
	if c == nil || r.Method != http.MethodOptions || r.Header.Get("Origin") == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h := w.Header()
	if allow := c.allowOrigin(r.Header.Get("Origin")); allow != "" {
		h.Set("Access-Control-Allow-Origin", allow)
		h.Set("Access-Control-Allow-Methods", strings.Join(c.methods, ","))
		h.Set("Access-Control-Allow-Headers", strings.Join(c.headers, ","))
		if c.maxAge != "" {
			h.Set("Access-Control-Max-Age", c.maxAge)
		}
		if c.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// decorate sets the CORS headers of an answer to a request with an Origin,
// after dropping any a function set.
func (c *cors) decorate(h http.Header, r *http.Request) {
	if c == nil {
		return
	}
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			h.Del(k)
		}
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	if allow := c.allowOrigin(origin); allow != "" {
		h.Set("Access-Control-Allow-Origin", allow)
		if len(c.expose) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(c.expose, ","))
		}
		if c.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
}
