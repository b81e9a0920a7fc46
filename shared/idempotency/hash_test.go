package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestSameRequest: a retry matches its record by the keyed hash, or a
// record written before the keyed hash by the plain one; another request,
// another secret or a hash of an unknown version never matches.
func TestSameRequest(t *testing.T) {
	t.Parallel()
	h := NewHasher([]byte("the-stack-secret-0123"))
	var first Record
	h.Hash(&first, "POST", "/profiles", []byte(`{"firstName":"A"}`))
	plain := sha256.Sum256([]byte("POST /profiles\n" + `{"firstName":"A"}`))
	for _, tt := range []struct {
		name         string
		hasher       Hasher
		method, path string
		body, stored string
		want         bool
	}{
		{"same request", h, "POST", "/profiles", `{"firstName":"A"}`, first.RequestHash, true},
		{"another body", h, "POST", "/profiles", `{"firstName":"B"}`, first.RequestHash, false},
		{"another path", h, "POST", "/profile", `{"firstName":"A"}`, first.RequestHash, false},
		{"path and body shifted", h, "POST", "/profiles\n{", `"firstName":"A"}`, first.RequestHash, false},
		{"another secret", NewHasher([]byte("another-secret-0123")), "POST", "/profiles", `{"firstName":"A"}`, first.RequestHash, false},
		{"a record of before: same request", h, "POST", "/profiles", `{"firstName":"A"}`, hex.EncodeToString(plain[:]), true},
		{"a record of before: another request", h, "POST", "/profiles", `{"firstName":"B"}`, hex.EncodeToString(plain[:]), false},
		{"an unknown version", h, "POST", "/profiles", `{"firstName":"A"}`, "v9:" + first.RequestHash[3:], false},
	} {
		var retry Record
		tt.hasher.Hash(&retry, tt.method, tt.path, []byte(tt.body))
		if got := retry.SameRequest(Record{RequestHash: tt.stored}); got != tt.want {
			t.Errorf("%s: SameRequest = %v, want %v", tt.name, got, tt.want)
		}
	}
	if first.RequestHash == hex.EncodeToString(plain[:]) || len(first.RequestHash) != len("v1:")+64 {
		t.Errorf("RequestHash %q", first.RequestHash)
	}
}
