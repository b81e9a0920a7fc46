package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// keyedHandler is a POST that honours Idempotency-Key: once, the key's
// record (nil without a key), goes into the request's own write; the
// wrapper fills in what the route answers (Kind, Status), the service the
// ids of what the write makes.
type keyedHandler func(d Deps, once *idempotency.Record) handlerFunc

// idempotent makes a POST honour Idempotency-Key as Stripe's API does: the
// first request with a key runs; a retry with the same key and body gets
// the first request's answer (its status and Location, the resource as it
// is now) without running again; the same key with another body is a 422.
// Keys are scoped to the caller (the token's subject) and remembered for
// 24 hours.
//
// The key's record is written in the same transaction as the request's
// effect (idempotency package), so a first request costs no extra round
// trip, a request that failed leaves the key free, and a concurrent
// duplicate loses the transaction's condition and replays the winner.
//
// kind and status are what the route makes and answers, which a replay
// answers again; the service records the ids of what it made in once.
func idempotent(kind idempotency.Kind, status int, h keyedHandler) func(Deps) http.Handler {
	return keyed(kind, status, false, h)
}

// idempotentAcross is idempotent for a POST whose effect is several
// writes (an erasure: one per profile), so the key's record cannot go in
// the one transaction of its effect: the record is written after them, and
// the key is looked up first, so a replay, or the key used with another
// request (the 422), runs nothing. Two requests with one key at once both
// run; the effect is idempotent and the second to take the key replays
// the first's answer.
func idempotentAcross(kind idempotency.Kind, status int, h keyedHandler) func(Deps) http.Handler {
	return keyed(kind, status, true, h)
}

// requestHasher is the keyed hash of the requests of a route that honours
// Idempotency-Key. It fails at start, not at a client's first keyed
// request: the endpoint must be marked Keyed for lambdaapp to fetch the
// stack's secret.
func requestHasher(d Deps) idempotency.Hasher {
	if d.CursorSecret == "" {
		panic("Idempotency-Key without the stack's secret: mark the endpoint Keyed in shared/api/routes.go")
	}
	return idempotency.NewHasher([]byte(d.CursorSecret))
}

func keyed(kind idempotency.Kind, status int, lookFirst bool, h keyedHandler) func(Deps) http.Handler {
	return func(d Deps) http.Handler {
		hasher := requestHasher(d)
		return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			key, err := idempotencyKey(r)
			if err != nil {
				return err
			}
			if key == "" {
				return h(d, nil)(w, r)
			}
			once, err := claim(r, hasher, key, d.service.Now(), maxBody)
			if err != nil {
				return err
			}
			once.Kind, once.Status = kind, status
			replayed, err := d.service.Keyed(r.Context(), once, lookFirst, func() error { return h(d, once)(w, r) })
			if replayed != nil {
				writeReplay(w, replayed)
				return nil
			}
			return err
		})
	}
}

// errAmbiguousKey is an Idempotency-Key that cannot reach the handler as
// the client sent it. API Gateway joins a header's values with commas, and
// the Lambda proxy adapter (aws-lambda-go-api-proxy, issue #171) splits
// every header at its commas: a key "k,1" arrives as two values, "k" and
// "1", as two headers would, and ",abc" as "" and "abc". Taking the first
// value made "k,1" and "k,2" one key, and ",abc" no key at all.
var errAmbiguousKey = errors.New("the Idempotency-Key has a comma or came in several headers")

// idempotencyKey is the request's Idempotency-Key, "" for none: the one
// place that checks it. An empty header counts as no key; a comma, several
// values or an empty one among them is errAmbiguousKey.
func idempotencyKey(r *http.Request) (string, error) {
	keys := r.Header.Values("Idempotency-Key")
	switch {
	case len(keys) == 0 || len(keys) == 1 && keys[0] == "":
		return "", nil
	case len(keys) > 1 || strings.Contains(keys[0], ","):
		return "", errAmbiguousKey
	}
	if key := keys[0]; len(key) <= 255 && printableASCII(key) {
		return key, nil
	}
	return "", badRequest("Idempotency-Key", "must be 1 to 255 printable ASCII characters other than a comma")
}

// claim describes the request a key is used for: the key scoped to the
// caller, the keyed hash of method, path and body, and when it expires. It
// leaves the body readable for the handler.
func claim(r *http.Request, hasher idempotency.Hasher, key string, now time.Time, limit int) (*idempotency.Record, error) {
	body, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	once := &idempotency.Record{Key: subject(r) + "\x00" + key, Expires: now.Add(idempotency.TTL)}
	hasher.Hash(once, r.Method, r.URL.Path, body)
	return once, nil
}

// writeReplay answers a request whose key a request used before as that
// request was answered: its status and Location, with what it made as it
// is now (its current ETag), marked Idempotent-Replayed.
func writeReplay(w http.ResponseWriter, r *profile.Replay) {
	w.Header().Set("Idempotent-Replayed", "true")
	switch r.Record.Kind {
	case idempotency.KindContact:
		w.Header().Set("Location", contactLocation(r.Record.ProfileID, r.Contact.ID))
		writeContact(w, r.Record.Status, r.Contact)
	case idempotency.KindUser:
		writeUser(w, r.Record.Status, r.Profile)
	case idempotency.KindErasure:
		encode(w, r.Record.Status, views.ReceiptOf(r.Receipt))
	default:
		w.Header().Set("Location", profileLocation(r.Profile.ID))
		writeProfile(w, r.Record.Status, r.Profile)
	}
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// subject is the caller's identity: the JWT sub API Gateway passed on.
func subject(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.Authorizer != nil && rc.Authorizer.JWT != nil {
		return rc.Authorizer.JWT.Claims["sub"]
	}
	return ""
}
