package apitest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// KeysInOrder returns the top-level keys of a JSON object in their order.
func KeysInOrder(t testing.TB, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// StringOf is the string p points to, "" when p is nil: an optional field
// of a view, as a test compares it.
func StringOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
