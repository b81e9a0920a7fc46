package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

var testCursors = cursorCodec{key: []byte("unit-test-secret")}

// testScope is a scope with every part set: a contacts listing's.
var testScope = cursorScope{listing: "contacts", pathIDs: []string{"6006dda272f002519c3eb505"}, sortBy: "createTime", filters: map[string]string{"key": "email"}}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	scopes := []cursorScope{
		{},
		testScope,
		{listing: "profiles", sortBy: "name", desc: true, filters: map[string]string{"firstName": "Émile", "uuid": "9"}},
	}
	afters := []string{
		"",
		"2021-01-01T00:00:00+00:00\x016006dda272f002519c3eb505",
		"émile 😀\x01000000000000000000000001",
		"\xff\x00not UTF-8",
		strings.Repeat("x", 1000),
	}
	for _, sc := range scopes {
		for _, after := range afters {
			c := testCursors.encode(sc, after)
			if strings.Count(c, ".") != 1 || strings.ContainsAny(c, "+/= \x00") {
				t.Errorf("encode(%+v, %q) = %q, want URL-safe position.signature", sc, after, c)
			}
			got, ok := testCursors.decode(sc, c)
			if !ok || got != after {
				t.Errorf("decode(encode(%+v, %q)) = %q, %v", sc, after, got, ok)
			}
		}
	}
}

// TestCursorBoundToItsScope: a cursor decodes only in the scope it was
// made for (the same scope built anew included); a change to any part of
// the scope, even one that keeps the concatenation of its parts, fails.
func TestCursorBoundToItsScope(t *testing.T) {
	t.Parallel()
	const after = "2024-05-01T12:00:00+00:00\x01abc"
	c := testCursors.encode(testScope, after)
	with := func(change func(*cursorScope)) cursorScope {
		s := testScope
		s.pathIDs = slices.Clone(s.pathIDs)
		s.filters = maps.Clone(s.filters)
		change(&s)
		return s
	}
	profiles := cursorScope{listing: "profiles", sortBy: "createTime", filters: map[string]string{}}
	tests := []struct {
		name  string
		scope cursorScope
		ok    bool
	}{
		{"the same scope", with(func(*cursorScope) {}), true},
		{"the same scope, filters built in another order", cursorScope{listing: "contacts", pathIDs: []string{"6006dda272f002519c3eb505"}, sortBy: "createTime", filters: map[string]string{"key": "email"}}, true},
		{"another listing", with(func(s *cursorScope) { s.listing = "profiles" }), false},
		{"the profiles listing, same sort and no filter", profiles, false},
		{"another profile", with(func(s *cursorScope) { s.pathIDs[0] = "6006dda272f002519c3eb506" }), false},
		{"no path id", with(func(s *cursorScope) { s.pathIDs = nil }), false},
		{"an extra path id", with(func(s *cursorScope) { s.pathIDs = append(s.pathIDs, "x") }), false},
		{"another sort field", with(func(s *cursorScope) { s.sortBy = "updateTime" }), false},
		{"descending", with(func(s *cursorScope) { s.desc = true }), false},
		{"another filter value", with(func(s *cursorScope) { s.filters["key"] = "phone" }), false},
		{"filter dropped", with(func(s *cursorScope) { s.filters = nil }), false},
		{"an extra filter", with(func(s *cursorScope) { s.filters["enabled"] = "1" }), false},
		{"filter renamed", with(func(s *cursorScope) { s.filters = map[string]string{"Key": "email"} }), false},
		{"path id moved into the listing", with(func(s *cursorScope) { s.listing += s.pathIDs[0]; s.pathIDs = nil }), false},
		{"filter value moved into its name", with(func(s *cursorScope) { s.filters = map[string]string{"keyemail": ""} }), false},
		{"sort field moved into the path id", with(func(s *cursorScope) { s.pathIDs[0] += s.sortBy; s.sortBy = "" }), false},
	}
	for _, tt := range tests {
		got, ok := testCursors.decode(tt.scope, c)
		if ok != tt.ok || ok && got != after {
			t.Errorf("%s: decode = %q, %v; want ok %v", tt.name, got, ok, tt.ok)
		}
	}
}

func TestCursorRejects(t *testing.T) {
	t.Parallel()
	good := testCursors.encode(testScope, "k1")
	body, sig, _ := strings.Cut(good, ".")
	enc := base64.RawURLEncoding

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
	// A cursor as 2.x made it: {"q": a hash of the query, "a": the
	// position}, its signature over that payload alone.
	v2payload, _ := json.Marshal(map[string]string{"q": "4a2f6c1222ed875897c232cc", "a": "k1"})
	v2mac := hmac.New(sha256.New, testCursors.key)
	v2mac.Write(v2payload)

	tests := []struct {
		name   string
		cursor string
	}{
		{"tampered position", enc.EncodeToString([]byte("k2")) + "." + sig},
		{"position first character changed", flipFirst(body) + "." + sig},
		{"tampered signature", body + "." + enc.EncodeToString(flipped)},
		{"signature first character changed", body + "." + flipFirst(sig)},
		{"truncated signature", body + "." + enc.EncodeToString(rawSig[:8])},
		{"full-length HMAC", body + "." + enc.EncodeToString(append(slices.Clone(rawSig), make([]byte, 16)...))},
		{"no signature", body},
		{"empty signature", body + "."},
		{"another key", cursorCodec{key: []byte("other-secret")}.encode(testScope, "k1")},
		{"empty key", cursorCodec{}.encode(testScope, "k1")},
		{"padded base64", body + "=." + sig},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(body) + "x." + sig},
		{"extra part", good + ".x"},
		{"a 2.x cursor", enc.EncodeToString(v2payload) + "." + enc.EncodeToString(v2mac.Sum(nil)[:16])},
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
		if got, ok := testCursors.decode(testScope, tt.cursor); ok {
			t.Errorf("%s: decode(%q) = %q, true; want rejected", tt.name, tt.cursor, got)
		}
	}
	if _, ok := testCursors.decode(testScope, good); !ok {
		t.Error("the untampered cursor was rejected")
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
