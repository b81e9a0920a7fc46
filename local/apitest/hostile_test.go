package apitest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/logging"
	"github.com/profiles-service/profiles/shared/views"
)

// snapshot is every profile as the API shows it, to compare before and after.
func snapshot(t *testing.T, a *apitest.API) string {
	t.Helper()
	var all []views.Profile
	for p, err := range a.Admin.Profiles(ctx, client.ListOptions{Limit: 100, SortBy: "profileId"}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	b, _ := json.Marshal(all)
	return string(b)
}

// TestHostileRequests: each gets a 4xx (problem+json from our functions),
// or the normal answer where only its values look odd; never a 5xx; and
// no profile changed.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Target"), UUID: client.Value("target-uuid")}, nil))(t)
	before := snapshot(t, a)
	deep := `{"firstName":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	admin := a.AdminAuth()
	for _, tc := range []struct {
		name, method, path, body string
		status                   int // 0: any 4xx
		normal                   bool
		headers                  []string
	}{
		{"huge body", "POST", "/profiles", `{"firstName":"` + strings.Repeat("a", 2<<20) + `"}`, 413, false, nil},
		{"huge body on update", "PATCH", "/profiles/" + p.ProfileID, `{"tags":["` + strings.Repeat("a", 2<<20) + `"]}`, 413, false, nil},
		{"deep nesting", "POST", "/profiles", deep, 400, false, nil},
		{"duplicate keys", "POST", "/profiles", `{"firstName":"a","firstName":"b"}`, 400, false, nil},
		{"duplicate nested keys", "POST", "/profiles", `{"contacts":[{"key":"email","value":"a@b.co","value":"c@d.co"}]}`, 400, false, nil},
		{"number for string", "POST", "/profiles", `{"firstName":12}`, 400, false, nil},
		{"string for bool", "PATCH", "/profiles/" + p.ProfileID, `{"enabled":"true"}`, 400, false, nil},
		{"invalid UTF-8", "POST", "/profiles", "{\"lastName\":\"\xc3\x28\"}", 400, false, nil},
		{"NUL escaped", "POST", "/profiles", `{"firstName":"a\u0000b"}`, 400, false, nil},
		{"NUL raw", "POST", "/profiles", "{\"firstName\":\"a\x00b\"}", 400, false, nil},
		{"NUL in contact", "POST", "/profiles/" + p.ProfileID + "/contacts", `{"key":"email","value":"a\u0000@b.co"}`, 400, false, nil},
		{"huge number", "PATCH", "/profiles/" + p.ProfileID, `{"enabled":` + strings.Repeat("9", 5000) + `}`, 400, false, nil},
		{"not JSON", "POST", "/profiles", "firstName=Mary", 400, false, nil},
		{"form content type", "POST", "/profiles", "firstName=Mary", 400, false, []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{"JSON null", "POST", "/profiles", "null", 400, false, nil},
		{"long query", "GET", "/profiles?filter[name]=" + strings.Repeat("x", 60000), "", 200, true, nil},
		{"long uuid filter", "GET", "/profiles?filter[uuid]=" + strings.Repeat("u", 5000), "", 200, true, nil},
		{"NUL in filter", "GET", "/profiles?filter[lastName]=%00", "", 200, true, nil},
		{"expression-like filter", "GET", "/profiles?filter[name]=" + url.QueryEscape("a OR attribute_exists(PK)"), "", 200, true, nil},
		{"placeholder-like filter", "GET", "/profiles?filter[lastName]=" + url.QueryEscape(":v) OR (#n = :v"), "", 200, true, nil},
		{"expression-like uuid", "GET", "/profiles?filter[uuid]=" + url.QueryEscape("target-uuid' OR '1'='1"), "", 200, true, nil},
		{"long limit", "GET", "/profiles?limit=" + strings.Repeat("9", 400), "", 400, false, nil},
		{"encoded traversal in id", "GET", "/profiles/..%2F..%2Fetc%2Fpasswd", "", 404, false, nil},
		{"traversal", "GET", "/profiles/../../etc/passwd", "", 404, false, nil},
		{"traversal into contacts", "DELETE", "/profiles/" + p.ProfileID + "/contacts/..%2F..", "", 404, false, nil},
		{"id with key syntax", "GET", "/profiles/PROFILE%23" + p.ProfileID, "", 404, false, nil},
		{"long user id", "GET", "/api/me/profile", "", 404, false, []string{"Authorization", "Bearer " + a.UserToken(strings.Repeat("u", 3000))}},
		{"huge idempotency key", "POST", "/profiles", `{"firstName":"x"}`, 400, false, []string{"Idempotency-Key", strings.Repeat("k", 4000)}},
		{"non-ASCII idempotency key", "POST", "/profiles", `{"firstName":"x"}`, 400, false, []string{"Idempotency-Key", "k\u00e9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.Do(t, tc.method, tc.path, tc.body, append([]string{"Authorization", admin}, tc.headers...)...)
			if r.Status >= 500 || (tc.status != 0 && r.Status != tc.status) {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			if tc.normal {
				var list []views.Profile
				if err := json.Unmarshal(r.Body, &list); err != nil || len(list) != 0 {
					t.Errorf("an odd filter value matched %d profiles (%v)", len(list), err)
				}
				return
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" && !(r.Status == 404 && ct == "application/json") {
				t.Errorf("Content-Type %q: %.200s", ct, r.Body)
			}
		})
	}
	if after := snapshot(t, a); after != before {
		t.Errorf("hostile requests changed the profiles:\n%s\nwere\n%s", after, before)
	}
}

// TestSecurityHeaders: every answer of our functions, success or error,
// carries no-store and nosniff.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	r := a.Do(t, "POST", "/profiles", `{"firstName":"H"}`, "Authorization", a.AdminAuth())
	var p views.Profile
	if err := json.Unmarshal(r.Body, &p); err != nil || r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	rs := []*apitest.Response{r,
		a.Do(t, "GET", "/profiles/"+p.ProfileID, "", "Authorization", a.AdminAuth()),
		a.Do(t, "GET", "/profiles", "", "Authorization", a.AdminAuth()),
		a.Do(t, "PATCH", "/profiles/"+p.ProfileID, `{"nope":1}`, "Authorization", a.AdminAuth()),
		a.Do(t, "GET", "/profiles/0123456789abcdef01234567", "", "Authorization", a.AdminAuth()),
		a.Do(t, "DELETE", "/profiles/"+p.ProfileID, "", "Authorization", a.AdminAuth()),
	}
	for _, r := range rs {
		if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("status %d without the security headers: %v", r.Status, r.Header)
		}
	}
}

// TestLogsAreJSONWithRequestIDsAndNoSecrets runs requests full of personal
// data and credentials and reads every log line they produced. It sets the
// default logger, so it runs alone (not parallel).
func TestLogsAreJSONWithRequestIDsAndNoSecrets(t *testing.T) {
	var buf apitest.SafeBuffer
	prev := slog.Default()
	slog.SetDefault(logging.New(&buf, slog.LevelInfo))
	defer slog.SetDefault(prev)

	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Log"), UUID: client.Value("log-1"),
		Contacts: []client.ContactInput{email("secret.person@example.com"), phoneContact("+64279998888")}}, nil))(t)
	_, err := a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Log"), UUID: client.Value("log-1")}, nil)
	problem(t, err, 409, "")
	_, err = a.Admin.CreateContact(ctx, p.ProfileID, email("secret.person@example.com"), nil)
	problem(t, err, 409, "")
	userToken := a.UserToken("log-user")
	must(a.Client(client.WithUserToken(userToken)).UpdateMyProfile(ctx, client.UserInput{Email: client.Value("another.secret@example.org")}, nil))(t)
	key := a.NewAPIKey("log-partner")
	must(a.Partner(key).GetUserProfile(ctx, "log-user"))(t)
	must(a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"name": "secret.person@example.com"}}))(t)
	must(a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"lastName": "Zylberschlag", "enabled": "1"}}))(t)
	first := must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 1, SortBy: "firstName"}))(t)
	if first.Next == "" {
		t.Fatal("no next link")
	}
	cursor, _ := url.Parse(first.Next)
	must(a.Admin.NextProfiles(ctx, first.Next))(t)

	requests := 0
	callers := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("not a JSON line: %s", sc.Bytes())
			continue
		}
		if rec["msg"] == "request" {
			requests++
			c, _ := rec["caller"].(string)
			callers[c] = true
			if id, _ := rec["requestId"].(string); id == "" {
				t.Errorf("request line without requestId: %s", sc.Bytes())
			}
		}
	}
	if requests < 9 {
		t.Errorf("%d request lines for 9 requests:\n%s", requests, buf.Bytes())
	}
	// Each request line names its caller: the subject, or the key's name.
	for _, c := range []string{"sub:admin", "sub:log-user", "apiKey:log-partner"} {
		if !callers[c] {
			t.Errorf("no request line names the caller %q (callers %v)", c, callers)
		}
	}
	out := string(buf.Bytes())
	if !strings.Contains(out, "filter[enabled]=1") || !strings.Contains(out, "filter[lastName]=[masked]") {
		t.Errorf("the logged query should keep filter[enabled] and mask names: %s", out)
	}
	for _, secret := range []string{"secret.person", "another.secret", "+64279998888", "999 8888", key, a.AdminAuth()[len("Bearer "):], userToken, "eyJ",
		"Zylberschlag", cursor.Query().Get("cursor")} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
}
