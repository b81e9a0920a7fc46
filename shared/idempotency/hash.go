package idempotency

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// hashPurpose names what the key derived from the stack's secret is for:
// one secret, a key per purpose, so a hash of one kind never verifies
// another (the cursors are signed with the secret itself).
const hashPurpose = "idempotency-request/v1"

// keyedPrefix starts the request hash of a version 1 record (HMAC-SHA256).
// A record without it predates version 1: a plain SHA-256 of the request.
const keyedPrefix = "v1:"

// Hasher hashes the requests a record remembers with a key derived from
// the stack's secret, so whoever reads the table cannot confirm a guessed
// body (an email address, say) by hashing it.
type Hasher struct{ key []byte }

// NewHasher derives the hasher's key from the stack's secret:
// HMAC-SHA256(secret, "idempotency-request/v1").
func NewHasher(secret []byte) Hasher {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(hashPurpose))
	return Hasher{key: mac.Sum(nil)}
}

// Hash sets the record's RequestHash to the keyed hash of the request. It
// also keeps, in memory only, the plain hash a record written before
// version 1 holds of the same request, so a retry within such a record's
// 24 hours still replays (SameRequest); no store writes it.
func (h Hasher) Hash(r *Record, method, path string, body []byte) {
	mac := hmac.New(sha256.New, h.key)
	// Length-prefixed, so no two (method, path, body) write the same bytes.
	for _, part := range [][]byte{[]byte(method), []byte(path), body} {
		mac.Write(binary.BigEndian.AppendUint64(nil, uint64(len(part))))
		mac.Write(part)
	}
	r.RequestHash = keyedPrefix + hex.EncodeToString(mac.Sum(nil))
	plain := sha256.Sum256([]byte(method + " " + path + "\n" + string(body)))
	r.legacyHash = hex.EncodeToString(plain[:])
}

// SameRequest reports whether used, the stored record of r's key, was made
// by the request r describes: by the keyed hash, or, for a record written
// before version 1, by the plain one. The plain comparison can go once
// every such record has expired (24 hours after the upgrade).
func (r *Record) SameRequest(used Record) bool {
	if strings.HasPrefix(used.RequestHash, keyedPrefix) {
		return hmac.Equal([]byte(used.RequestHash), []byte(r.RequestHash))
	}
	return r.legacyHash != "" && used.RequestHash == r.legacyHash
}
