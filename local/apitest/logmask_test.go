package apitest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/logging"
)

// TestRequestLogHoldsNoPersonalValue sends the personal values a client
// may put in a URL, spelt every way a hostile or careless client could,
// through the real path (the local API Gateway, the Lambda adapter, the
// service's request log), and reads every log line back: none holds a
// value, in any case or Unicode form. The values of known, non-personal
// parameters stay readable. It sets the default logger, so it runs alone.
func TestRequestLogHoldsNoPersonalValue(t *testing.T) {
	var buf apitest.SafeBuffer
	prev := slog.Default()
	slog.SetDefault(logging.New(&buf, slog.LevelInfo))
	defer slog.SetDefault(prev)

	a := apitest.New(t)
	// Each value is a marker that nothing else in a log line holds.
	personal := []string{"Zqxsmith", "Zqxjos\u00e9", "Zqxbob", "ex\u00e4mple", "xn--exmple-cua", "271112222", "Zqxmary", "Zqxuuid"}
	for _, tt := range []struct{ name, target string }{
		{"unknown key", "/profiles?lastName=Zqxsmith"},
		{"key in capitals", "/profiles?LASTNAME=Zqxsmith"},
		{"filter in capitals", "/profiles?FILTER[lastName]=Zqxsmith"},
		{"filter name in other case", "/profiles?filter[LastName]=Zqxsmith"},
		{"filter percent-encoded", "/profiles?filter%5BlastName%5D=Zqxsmith"},
		{"filter lower-case percent-encoding", "/profiles?%66ilter%5blastName%5d=%5Aqxsmith"},
		{"plus for space", "/profiles?filter[name]=Zqxmary+Zqxsmith"},
		{"repeated key", "/profiles?filter[lastName]=Zqxsmith&filter[lastName]=Zqxsmith"},
		{"repeated key, two values", "/profiles?filter[firstName]=Zqxmary&filter[firstName]=Zqxsmith"},
		{"known key, personal value", "/profiles?sort_by=Zqxsmith"},
		{"limit holding a phone", "/profiles?limit=%2B64271112222"},
		{"offset holding a phone", "/profiles?offset=0064271112222"},
		{"sort order holding a name", "/profiles?sort_order=Zqxsmith"},
		{"enabled holding a name", "/profiles?filter[enabled]=Zqxsmith"},
		{"uuid filter", "/profiles?filter[uuid]=Zqxuuid"},
		{"Unicode email", "/profiles?filter[email]=Zqxjos%C3%A9%40example.com"},
		{"decomposed email", "/profiles?filter[email]=Zqxjose%CC%81%40example.com"},
		{"Unicode domain", "/profiles?filter[email]=Zqxbob%40ex%C3%A4mple.com"},
		{"A-label domain", "/profiles?filter[email]=Zqxbob%40xn--exmple-cua.com"},
		{"email under an unknown key", "/profiles?q=Zqxjos%C3%A9@ex%C3%A4mple.com"},
		{"email as a key", "/profiles?Zqxbob%40ex%C3%A4mple.com"},
		{"name as a key", "/profiles?Zqxsmith=1"},
		{"unknown filter field", "/profiles?filter[Zqxsmith]=1"},
		{"phone filter", "/profiles?filter[phone]=%2B64%20271112222"},
		{"phone filter with plus as space", "/profiles?filter[phone]=+64271112222"},
		{"phone under an unknown key", "/profiles?phone=0064271112222"},
		{"semicolon separator", "/profiles?limit=5;lastName=Zqxsmith"},
		{"contact filter key", "/profiles/0123456789abcdef01234567/contacts?filter[key]=Zqxsmith"},
		{"contact value sort with a name", "/profiles/0123456789abcdef01234567/contacts?sort_by=value&value=Zqxsmith"},
		{"phone in the partner path", "/api/users/+64271112222/profile"},
		{"email in the partner path", "/api/users/Zqxjos%C3%A9@ex%C3%A4mple.com/profile"},
		{"known values stay", "/profiles?limit=7&offset=3&sort_by=lastName&sort_order=desc&filter[enabled]=1"},
	} {
		headers := []string{"Authorization", a.AdminAuth()}
		if strings.HasPrefix(tt.target, "/api/users/") {
			headers = []string{"x-api-key", a.NewAPIKey("log-mask")}
		}
		if r := a.Do(t, "GET", tt.target, "", headers...); r.Status >= 500 {
			t.Errorf("%s: status %d: %s", tt.name, r.Status, r.Body)
		}
	}

	out := buf.Bytes()
	requests := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("not a JSON line: %s", sc.Bytes())
		}
		if rec["msg"] == "request" {
			requests++
		}
	}
	if requests != 32 {
		t.Errorf("%d request lines for 32 requests", requests)
	}
	// JSON escapes nothing of these values; fold case and both Unicode forms.
	logs := strings.ToLower(string(out))
	var leaked []string
	for _, v := range personal {
		for _, form := range []string{norm.NFC.String(v), norm.NFD.String(v)} {
			if strings.Contains(logs, strings.ToLower(form)) {
				leaked = append(leaked, form)
			}
		}
	}
	if len(leaked) > 0 {
		t.Errorf("the logs hold %+q:\n%s", leaked, out)
	}
	if !strings.Contains(string(out), `"query":"filter[enabled]=1&limit=7&offset=3&sort_by=lastName&sort_order=desc"`) {
		t.Errorf("the known, non-personal values are not kept as sent:\n%s", out)
	}
}
