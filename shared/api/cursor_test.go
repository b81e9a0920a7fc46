package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

var testCursors = cursorCodec{key: []byte("unit-test-secret")}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	states := []cursorState{
		{},
		{Query: "createTime", After: "2021-01-01T00:00:00+00:00\x016006dda272f002519c3eb505"},
		{Query: "name desc\x00firstName=Émile\x00uuid=9", After: "émile 😀\x01000000000000000000000001"},
		{Query: "q", After: strings.Repeat("x", 1000)},
	}
	for _, s := range states {
		c := testCursors.encode(s)
		if strings.Count(c, ".") != 1 || strings.ContainsAny(c, "+/= \x00") {
			t.Errorf("encode(%+v) = %q, want URL-safe payload.signature", s, c)
		}
		got, ok := testCursors.decode(c)
		if !ok || got != s {
			t.Errorf("decode(encode(%+v)) = %+v, %v", s, got, ok)
		}
	}
}

func TestCursorRejects(t *testing.T) {
	t.Parallel()
	good := testCursors.encode(cursorState{Query: "createTime", After: "k1"})
	body, sig, _ := strings.Cut(good, ".")
	enc := base64.RawURLEncoding

	forged, _ := json.Marshal(cursorState{Query: "createTime", After: "k2"})
	rawSig, err := enc.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(rawSig)
	flipped[0] ^= 1
	flipFirst := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name   string
		cursor string
	}{
		{"tampered payload", enc.EncodeToString(forged) + "." + sig},
		{"payload first character changed", flipFirst(body) + "." + sig},
		{"tampered signature", body + "." + enc.EncodeToString(flipped)},
		{"signature first character changed", body + "." + flipFirst(sig)},
		{"truncated signature", body + "." + enc.EncodeToString(rawSig[:8])},
		{"full-length HMAC", body + "." + enc.EncodeToString(append(slices.Clone(rawSig), make([]byte, 16)...))},
		{"no signature", body},
		{"empty signature", body + "."},
		{"another key", cursorCodec{key: []byte("other-secret")}.encode(cursorState{Query: "createTime", After: "k1"})},
		{"empty key", cursorCodec{}.encode(cursorState{Query: "createTime", After: "k1"})},
		{"padded base64", body + "=." + sig},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(body) + "x." + sig},
		{"extra part", good + ".x"},
		{"empty", ""},
		{"dot", "."},
		{"abc", "abc"},
		{"a.b", "a.b"},
		{"spaces", " " + good},
	}
	for _, tt := range tests {
		if tt.cursor == good {
			t.Fatalf("%s: test cursor equals the good one", tt.name)
		}
		if got, ok := testCursors.decode(tt.cursor); ok {
			t.Errorf("%s: decode(%q) = %+v, true; want rejected", tt.name, tt.cursor, got)
		}
	}
	if _, ok := testCursors.decode(good); !ok {
		t.Error("the untampered cursor was rejected")
	}
}

func TestCursorSignedNonJSONRejected(t *testing.T) {
	t.Parallel()
	payload := []byte("not json")
	c := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(testCursors.mac(payload))
	if _, ok := testCursors.decode(c); ok {
		t.Error("a signed non-JSON payload was accepted")
	}
}

// query parses a raw query string, failing the test on a syntax error.

// TestListWithoutCursorSecretFailsClosed: a list route served without a
// cursor secret (its function not marked Cursors) answers a 500 and never
// a page whose cursor anyone could have signed.
func TestListWithoutCursorSecretFailsClosed(t *testing.T) {
	for _, f := range []Endpoint{ListProfiles, ListContacts} {
		srv := NewServer(Deps{}, f)
		pattern := f.routes[0].pattern
		path := strings.Replace(strings.TrimPrefix(pattern, "GET "), "{profileId}", "6006dda272f002519c3eb505", 1)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", path+"?cursor=x.y", nil))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s without a cursor secret: %d, want 500", f.Name, rec.Code)
		}
	}
}
