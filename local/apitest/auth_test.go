package apitest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/aws/gateway"
)

// TestBearerAuth: the admin routes accept only an admin token (the admin
// authorizer's audience) with one of the route's scopes, and the user
// routes only an end user's token, as API Gateway's JWT authorizers do: a
// user's token asking for every scope is refused on every admin route.
func TestBearerAuth(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("A")}, nil))(t)
	adminAud, err := gateway.Audience(a.Template(), gateway.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	all := apitest.Scopes
	expired, _ := gateway.SignLocal(gateway.LocalSecret, "admin", adminAud, all, -time.Minute)
	foreign, _ := gateway.SignLocal("another-key-another-key-another-key", "admin", adminAud, all, time.Hour)
	otherAud, _ := gateway.SignLocal(gateway.LocalSecret, "admin", "some-other-api", all, time.Hour)
	readOnly := a.Token("reader", "profiles:read")
	writeOnly := a.Token("writer", "profiles:write")
	userAllScopes := a.UserToken("sneaky-user", all...)
	admin := a.Token("admin", all...)
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
			body := `{"lastName":"B"}`
			if tc.path == "/api/me/profile/update" {
				body = `{"givenName":"Sneaky"}`
			}
			r := a.Do(t, tc.method, tc.path, body, "Authorization", tc.authorization)
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
	if r := a.Do(t, "GET", "/nowhere", "", "Authorization", a.AdminAuth()); r.Status != http.StatusNotFound {
		t.Errorf("/nowhere: %d", r.Status)
	}
	if after := must(a.Admin.GetProfile(ctx, p.ProfileID))(t); apitest.StringOf(after.LastName) != "B" {
		t.Errorf("only the authorised PATCH should have applied: %+v", after)
	}
}

// TestCORS: the HttpApi's CorsConfiguration, as API Gateway applies it:
// a preflight is answered without an authorizer or function; an answer to
// an allowed origin carries Allow-Origin and Expose-Headers; another
// origin gets no CORS header.
func TestCORS(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	preflight := func(origin string) *apitest.Response {
		return a.Do(t, http.MethodOptions, "/profiles", "", "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
	}
	ok := preflight("https://app.example.com")
	if ok.Status != 204 || ok.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		ok.Header.Get("Access-Control-Allow-Methods") == "" || ok.Header.Get("Access-Control-Allow-Headers") == "" || ok.Header.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight from the allowed origin: %d %v", ok.Status, ok.Header)
	}
	if other := preflight("https://evil.example.com"); other.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin allowed: %v", other.Header)
	}
	r := a.Do(t, "GET", "/profiles", "", "Authorization", a.AdminAuth(), "Origin", "https://app.example.com")
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || r.Header.Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("answer to the allowed origin: %d %v", r.Status, r.Header)
	}
	if r := a.Do(t, "GET", "/profiles", "", "Authorization", a.AdminAuth(), "Origin", "https://evil.example.com"); r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("answer to another origin: %d %v", r.Status, r.Header)
	}
}

// TestAPIKeyAuthorizerCachesItsResult: as API Gateway does for
// ReauthorizeEvery, the local gateway caches the API-key authorizer's
// answer by the key: a key revoked after it was used stays authorized
// until the cache time passes (300 s in template.yaml; README).
func TestAPIKeyAuthorizerCachesItsResult(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	key := a.NewAPIKey("cached-partner")
	partner := a.Partner(key)
	_, err := partner.GetUserProfile(ctx, "nobody")
	problem(t, err, http.StatusNotFound, "")
	a.RevokeAPIKey(key)
	_, err = partner.GetUserProfile(ctx, "nobody")
	problem(t, err, http.StatusNotFound, "")
	// A key revoked before its first use is refused at once.
	other := a.NewAPIKey("revoked-partner")
	a.RevokeAPIKey(other)
	_, err = a.Partner(other).GetUserProfile(ctx, "nobody")
	if e := (*client.Error)(nil); !errors.As(err, &e) || e.Status != http.StatusForbidden {
		t.Errorf("a revoked key: %v", err)
	}
}
