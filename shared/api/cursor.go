package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"
)

// cursorScope is what a cursor is valid for: the listing and the ids in its
// path, the sort and the filters of the page whose Link carried it. The
// signature covers it and the token does not carry it, so a cursor used for
// another scope fails its signature and reveals nothing of the query.
type cursorScope struct {
	listing string   // the listing's name, such as "contacts"
	pathIDs []string // the ids in the listing's path, in order: the profileId of contacts
	sortBy  string
	desc    bool
	filters map[string]string // by canonical name, values as given
}

// cursorVersion starts what a cursor's signature covers. Cursors of 2.x
// signed their payload alone, so they fail the check and are a 400.
const cursorVersion = "profiles-cursor/3"

// canonical is the scope as bytes no other scope has: each part
// length-prefixed, each list counted, the filters sorted by name.
func (s cursorScope) canonical() []byte {
	b := appendPart(nil, cursorVersion)
	b = appendPart(b, s.listing)
	b = binary.AppendUvarint(b, uint64(len(s.pathIDs)))
	for _, id := range s.pathIDs {
		b = appendPart(b, id)
	}
	b = appendPart(b, s.sortBy)
	b = appendPart(b, map[bool]string{false: "asc", true: "desc"}[s.desc])
	names := make([]string, 0, len(s.filters))
	for k := range s.filters {
		names = append(names, k)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, k := range names {
		b = appendPart(appendPart(b, k), s.filters[k])
	}
	return b
}

func appendPart(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// cursorCodec signs cursors so a client can neither forge nor alter one,
// nor use one outside its scope.
type cursorCodec struct{ key []byte }

// encode returns the cursor of the position after (the sort key of the
// last item served) in scope: the position, then the signature of scope
// and position, each base64url.
func (c cursorCodec) encode(scope cursorScope, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(after)) + "." + base64.RawURLEncoding.EncodeToString(c.mac(scope, []byte(after)))
}

func (c cursorCodec) mac(scope cursorScope, position []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(scope.canonical()) // self-delimiting, so the position cannot shift into it
	m.Write(position)
	return m.Sum(nil)[:16]
}

// decode returns the cursor's position, or false if this service did not
// sign it, with this key, for this scope.
func (c cursorCodec) decode(scope cursorScope, cursor string) (string, bool) {
	body, sig, ok := strings.Cut(cursor, ".")
	if !ok {
		return "", false
	}
	position, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.mac(scope, position)) {
		return "", false
	}
	return string(position), true
}
