package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/gateway"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/auth"
)

// TestBearerAuth: the admin routes accept only an admin token (the admin
// authorizer's audience) with one of the route's scopes, and the user
// routes only an end user's token, as API Gateway's JWT authorizers do: a
// user's token asking for every scope is refused on every admin route.
func TestBearerAuth(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"A"}`).expect(t, 201, &p)
	tpl := a.stack.Template
	adminAud, err := gateway.Audience(tpl, gateway.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"profiles:read", "profiles:write"}
	expired, _ := gateway.SignLocal(gateway.LocalSecret, "admin", adminAud, all, -time.Minute)
	foreign, _ := gateway.SignLocal("another-key-another-key-another-key", "admin", adminAud, all, time.Hour)
	otherAud, _ := gateway.SignLocal(gateway.LocalSecret, "admin", "some-other-api", all, time.Hour)
	readOnly := testenv.Token(t, "reader", "profiles:read")
	writeOnly := testenv.Token(t, "writer", "profiles:write")
	userAllScopes := testenv.UserToken(t, "sneaky-user", all...)
	admin := testenv.Token(t, "admin", all...)
	for _, tc := range []struct {
		name, authorization, method, path string
		status                            int
	}{
		{"no token", "", "GET", "/profiles", 401},
		{"garbage", "Bearer not-a-jwt", "GET", "/profiles", 401},
		{"expired", "Bearer " + expired, "GET", "/profiles/" + p.ProfileID, 401},
		{"foreign key", "Bearer " + foreign, "GET", "/profiles", 401},
		{"another audience", "Bearer " + otherAud, "GET", "/profiles", 401},
		{"a user's token with every scope cannot list", "Bearer " + userAllScopes, "GET", "/profiles", 401},
		{"a user's token with every scope cannot read", "Bearer " + userAllScopes, "GET", "/profiles/" + p.ProfileID, 401},
		{"a user's token with every scope cannot write", "Bearer " + userAllScopes, "PATCH", "/profiles/" + p.ProfileID, 401},
		{"a user's token with every scope cannot delete", "Bearer " + userAllScopes, "DELETE", "/profiles/" + p.ProfileID, 401},
		{"a user's token still opens its own profile", "Bearer " + userAllScopes, "POST", "/api/me/profile/update", 200},
		{"an admin token does not open /api/me", "Bearer " + admin, "GET", "/api/me/profile", 401},
		{"read scope cannot write", "Bearer " + readOnly, "POST", "/profiles", 403},
		{"read scope cannot delete", "Bearer " + readOnly, "DELETE", "/profiles/" + p.ProfileID, 403},
		{"read scope cannot add contacts", "Bearer " + readOnly, "POST", "/profiles/" + p.ProfileID + "/contacts", 403},
		{"write scope cannot read", "Bearer " + writeOnly, "GET", "/profiles/" + p.ProfileID, 403},
		{"read scope reads", "Bearer " + readOnly, "GET", "/profiles/" + p.ProfileID, 200},
		// API Gateway takes the token alone or after "Bearer " (the
		// user-profile reference's curl sends `authorization: <TOKEN>`).
		{"the token alone", readOnly, "GET", "/profiles/" + p.ProfileID, 200},
		{"lower-case bearer", "bearer " + readOnly, "GET", "/profiles/" + p.ProfileID, 200},
		{"a user's token alone", userAllScopes, "GET", "/api/me/profile", 200},
		{"write scope writes", "Bearer " + writeOnly, "PATCH", "/profiles/" + p.ProfileID, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := a.as(t, "")
			body := `{"lastName":"B"}`
			if tc.path == "/api/me/profile/update" {
				body = `{"givenName":"Sneaky"}`
			}
			r := c.do(tc.method, tc.path, body, "Authorization", tc.authorization)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d (%s)", r.Status, tc.status, r.Body)
			}
			if tc.status == 401 || tc.status == 403 {
				var body map[string]string
				if json.Unmarshal(r.Body, &body) != nil || body["message"] == "" {
					t.Errorf("gateway error body %s", r.Body)
				}
			}
		})
	}
	a.do("GET", "/nowhere", nil).expect(t, 404, nil)
	var after Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &after)
	if str(after.LastName) != "B" {
		t.Errorf("only the authorised PATCH should have applied: %+v", after)
	}
}

// TestCORS: the HttpApi's CorsConfiguration, as API Gateway applies it:
// a preflight is answered without an authorizer or function; an answer to
// an allowed origin carries Allow-Origin and Expose-Headers; another
// origin gets no CORS header.
func TestCORS(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, a.stack.URL+"/profiles", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	ok := preflight("https://app.example.com")
	if ok.StatusCode != 204 || ok.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		ok.Header.Get("Access-Control-Allow-Methods") == "" || ok.Header.Get("Access-Control-Allow-Headers") == "" || ok.Header.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight from the allowed origin: %d %v", ok.StatusCode, ok.Header)
	}
	if other := preflight("https://evil.example.com"); other.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin allowed: %v", other.Header)
	}
	r := a.do("GET", "/profiles", nil, "Origin", "https://app.example.com").expect(t, 200, nil)
	if r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || r.Header.Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("answer to the allowed origin: %v", r.Header)
	}
	if r := a.do("GET", "/profiles", nil, "Origin", "https://evil.example.com").expect(t, 200, nil); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("answer to another origin: %v", r.Header)
	}
}

// TestAPIKeyAuthorizerCachesItsResult: as API Gateway does for
// ReauthorizeEvery, the local gateway caches the API-key authorizer's
// answer by the key: a key revoked after it was used stays authorized
// until the cache time passes (300 s in template.yaml; README).
func TestAPIKeyAuthorizerCachesItsResult(t *testing.T) {
	t.Parallel()
	admin := newAPI(t)
	key := newKey(t, admin, "cached-partner")
	partner := admin.as(t, "")
	path := "/api/users/nobody/profile"
	partner.do("GET", path, nil, "x-api-key", key).expectProblem(t, 404, "")
	if err := admin.stack.Store.RevokeAPIKey(context.Background(), auth.HashAPIKey(key)); err != nil {
		t.Fatal(err)
	}
	partner.do("GET", path, nil, "x-api-key", key).expectProblem(t, 404, "")
}
