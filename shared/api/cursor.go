package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// cursorState is what a cursor carries: the query it belongs to and the
// sort key of the last item served.
type cursorState struct {
	Query string `json:"q"`
	After string `json:"a"`
}

// cursorCodec signs cursors so a client can neither forge nor alter one.
type cursorCodec struct{ key []byte }

func (c cursorCodec) encode(s cursorState) string {
	payload, _ := json.Marshal(s)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(c.mac(payload))
}

func (c cursorCodec) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// decode returns the cursor's state, or false if it was not made by this
// service with this key.
func (c cursorCodec) decode(cursor string) (cursorState, bool) {
	var s cursorState
	body, sig, ok := strings.Cut(cursor, ".")
	if !ok {
		return s, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, c.mac(payload)) {
		return s, false
	}
	if json.Unmarshal(payload, &s) != nil {
		return s, false
	}
	return s, true
}
