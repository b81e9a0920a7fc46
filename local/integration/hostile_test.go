package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/logging"
)

// TestHostileRequests: each gets a 4xx (problem+json from our functions),
// or the normal answer where only its values look odd; never a 5xx; and
// the table is unchanged.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Target","uuid":"target-uuid"}`).expect(t, 201, &p)
	before := len(scanTable(t, a))
	deep := `{"firstName":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int // 0: any 4xx
		normal                   bool
	}{
		{"huge body", "POST", "/profiles", `{"firstName":"` + strings.Repeat("a", 2<<20) + `"}`, 413, false},
		{"huge body on update", "PATCH", "/profiles/" + p.ProfileID, `{"tags":["` + strings.Repeat("a", 2<<20) + `"]}`, 413, false},
		{"deep nesting", "POST", "/profiles", deep, 400, false},
		{"duplicate keys", "POST", "/profiles", `{"firstName":"a","firstName":"b"}`, 400, false},
		{"duplicate nested keys", "POST", "/profiles", `{"contacts":[{"key":"email","value":"a@b.co","value":"c@d.co"}]}`, 400, false},
		{"number for string", "POST", "/profiles", `{"firstName":12}`, 400, false},
		{"string for bool", "PATCH", "/profiles/" + p.ProfileID, `{"enabled":"true"}`, 400, false},
		{"invalid UTF-8", "POST", "/profiles", "{\"lastName\":\"\xc3\x28\"}", 400, false},
		{"NUL escaped", "POST", "/profiles", `{"firstName":"a\u0000b"}`, 400, false},
		{"NUL raw", "POST", "/profiles", "{\"firstName\":\"a\x00b\"}", 400, false},
		{"NUL in contact", "POST", "/profiles/" + p.ProfileID + "/contacts", `{"key":"email","value":"a\u0000@b.co"}`, 400, false},
		{"huge number", "PATCH", "/profiles/" + p.ProfileID, `{"enabled":` + strings.Repeat("9", 5000) + `}`, 400, false},
		{"not JSON", "POST", "/profiles", "firstName=Mary", 400, false},
		{"JSON null", "POST", "/profiles", "null", 400, false},
		{"long query", "GET", "/profiles?filter[name]=" + strings.Repeat("x", 60000), "", 200, true},
		{"long uuid filter", "GET", "/profiles?filter[uuid]=" + strings.Repeat("u", 5000), "", 200, true},
		{"NUL in filter", "GET", "/profiles?filter[lastName]=%00", "", 200, true},
		{"expression-like filter", "GET", "/profiles?filter[name]=" + url.QueryEscape("a OR attribute_exists(PK)"), "", 200, true},
		{"placeholder-like filter", "GET", "/profiles?filter[lastName]=" + url.QueryEscape(":v) OR (#n = :v"), "", 200, true},
		{"expression-like uuid", "GET", "/profiles?filter[uuid]=" + url.QueryEscape("target-uuid' OR '1'='1"), "", 200, true},
		{"long limit", "GET", "/profiles?limit=" + strings.Repeat("9", 400), "", 400, false},
		{"encoded traversal in id", "GET", "/profiles/..%2F..%2Fetc%2Fpasswd", "", 404, false},
		{"traversal", "GET", "/profiles/../../etc/passwd", "", 404, false},
		{"traversal into contacts", "DELETE", "/profiles/" + p.ProfileID + "/contacts/..%2F..", "", 404, false},
		{"id with key syntax", "GET", "/profiles/PROFILE%23" + p.ProfileID, "", 404, false},
		{"long user id", "GET", "/api/me/profile", "", 404, false},
		{"huge idempotency key", "POST", "/profiles", `{"firstName":"x"}`, 400, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := a.as(t, a.token)
			var body any
			if tc.body != "" {
				body = tc.body
			}
			var headers []string
			if tc.name == "huge idempotency key" {
				headers = []string{"Idempotency-Key", strings.Repeat("k", 4000)}
			}
			if tc.name == "long user id" {
				c.token = testenv.UserToken(t, strings.Repeat("u", 3000))
			}
			r := c.do(tc.method, tc.path, body, headers...)
			if r.Status >= 500 || (tc.status != 0 && r.Status != tc.status) {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			if tc.normal {
				var list []Profile
				r.expect(t, 200, &list)
				if len(list) != 0 {
					t.Errorf("an odd filter value matched %d profiles", len(list))
				}
				return
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" && !(r.Status == 404 && ct == "application/json") {
				t.Errorf("Content-Type %q: %.200s", ct, r.Body)
			}
		})
	}
	if after := len(scanTable(t, a)); after != before {
		t.Errorf("hostile requests changed the table: %d items, were %d", after, before)
	}
}

// TestLogsAreJSONWithRequestIDsAndNoSecrets runs requests full of personal
// data and credentials and reads every log line they produced.
func TestLogsAreJSONWithRequestIDsAndNoSecrets(t *testing.T) {
	var buf safeBuffer
	prev := slog.Default()
	slog.SetDefault(logging.New(&buf, slog.LevelInfo))
	defer slog.SetDefault(prev)

	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Log","uuid":"log-1","contacts":[{"key":"email","value":"secret.person@example.com"},{"key":"phone","value":"+64279998888"}]}`).expect(t, 201, &p)
	a.do("POST", "/profiles", `{"firstName":"Log","uuid":"log-1"}`).expect(t, 409, nil)
	a.do("POST", "/profiles/"+p.ProfileID+"/contacts", `{"key":"email","value":"secret.person@example.com"}`).expect(t, 409, nil)
	user := a.as(t, testenv.UserToken(t, "log-user"))
	user.do("POST", "/api/me/profile/update", `{"email":"another.secret@example.org"}`).expect(t, 200, nil)
	key := newKey(t, a, "log-partner")
	a.as(t, "").do("GET", "/api/users/log-user/profile", nil, "x-api-key", key).expect(t, 200, nil)
	a.do("GET", "/profiles?filter[name]=secret.person@example.com", nil).expect(t, 200, nil)
	a.do("GET", "/profiles?filter[lastName]=Zylberschlag&filter[enabled]=1", nil).expect(t, 200, nil)
	r := a.do("GET", "/profiles?limit=1&sort_by=firstName", nil).expect(t, 200, nil)
	next := linkNext.FindStringSubmatch(r.Header.Get("Link"))
	if next == nil {
		t.Fatalf("no next link: %q", r.Header.Get("Link"))
	}
	cursor, _ := url.Parse(next[1])
	a.do("GET", next[1], nil).expect(t, 200, nil)

	lines := 0
	requests := 0
	callers := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines++
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
	for _, secret := range []string{"secret.person", "another.secret", "+64279998888", "999 8888", key, a.token, user.token, "eyJ",
		"Zylberschlag", cursor.Query().Get("cursor")} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
}

// safeBuffer is a bytes.Buffer that concurrent log writers may share.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written.
func (b *safeBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// TestSecurityHeaders: every answer of our functions, success or error,
// carries no-store and nosniff.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	rs := []*response{
		a.do("POST", "/profiles", `{"firstName":"H"}`).expect(t, 201, &p),
	}
	rs = append(rs,
		a.do("GET", "/profiles/"+p.ProfileID, nil),
		a.do("GET", "/profiles", nil),
		a.do("PATCH", "/profiles/"+p.ProfileID, `{"nope":1}`),
		a.do("GET", "/profiles/0123456789abcdef01234567", nil),
		a.do("DELETE", "/profiles/"+p.ProfileID, nil),
	)
	for _, r := range rs {
		if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("status %d without the security headers: %v", r.Status, r.Header)
		}
	}
}
