package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// replayedHeaders are the response headers a replay repeats.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent makes a POST honour Idempotency-Key as Stripe's API does: the
// first request with a key runs; a retry with the same key and body gets
// the first response without running again; the same key with another body
// is a 422; a retry while the first still runs is a 409. Keys are scoped to
// the caller (the token's subject) and remembered for 24 hours.
func idempotent(h func(Deps) http.Handler) func(Deps) http.Handler {
	return func(d Deps) http.Handler {
		next := h(d)
		return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			key := r.Header.Get("Idempotency-Key")
			if key == "" || d.Idempotency == nil {
				next.ServeHTTP(w, r)
				return nil
			}
			scoped, rec, err := claim(r, key)
			if err != nil {
				return err
			}
			existing, err := d.Idempotency.Begin(r.Context(), scoped, rec, profile.Now())
			if err != nil {
				return err
			}
			if existing != nil {
				return replay(w, rec, existing)
			}
			out := &recorder{header: http.Header{}}
			next.ServeHTTP(out, r)
			remember(r, d.Idempotency, scoped, rec, out)
			out.copyTo(w)
			return nil
		})
	}
}

// claim checks the key and describes the request it is used for: the key
// scoped to the caller, and a record holding the hash of method, path and
// body. It leaves the body readable for the handler.
func claim(r *http.Request, key string) (string, idempotency.Record, error) {
	if len(key) > 255 || !printableASCII(key) {
		return "", idempotency.Record{}, badRequest("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return "", idempotency.Record{}, badRequest("body", "could not be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
	rec := idempotency.Record{RequestHash: hex.EncodeToString(sum[:]), Expires: profile.Now().Add(idempotency.TTL)}
	return subject(r) + "\x00" + key, rec, nil
}

// remember stores the first response for replays, or, after a server error
// (which writes nothing: a failed write is never partial), forgets the key
// so a retry runs again.
func remember(r *http.Request, store idempotency.Store, scoped string, rec idempotency.Record, out *recorder) {
	if out.status >= 500 {
		if err := store.Abandon(r.Context(), scoped); err != nil {
			slog.ErrorContext(r.Context(), "idempotency: abandon", "error", err.Error())
		}
		return
	}
	rec.Done, rec.Status, rec.Body, rec.Header = true, out.status, out.body.Bytes(), map[string]string{}
	for _, h := range replayedHeaders {
		if v := out.header.Get(h); v != "" {
			rec.Header[h] = v
		}
	}
	if err := store.Finish(r.Context(), scoped, rec); err != nil {
		slog.ErrorContext(r.Context(), "idempotency: finish", "error", err.Error())
	}
}

// replay answers a request whose key is known.
func replay(w http.ResponseWriter, rec idempotency.Record, existing *idempotency.Record) error {
	switch {
	case existing.RequestHash != rec.RequestHash:
		return &requestError{status: http.StatusUnprocessableEntity, field: "Idempotency-Key",
			msg: "was used with another request; use a new key for a new request"}
	case !existing.Done:
		w.Header().Set("Retry-After", "1")
		return &requestError{status: http.StatusConflict, field: "Idempotency-Key",
			msg: "a request with this key is still running; retry later"}
	}
	for k, v := range existing.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Content-Length", strconv.Itoa(len(existing.Body)))
	w.WriteHeader(existing.Status)
	_, _ = w.Write(existing.Body)
	return nil
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

// recorder keeps a response to store it before sending it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rc *recorder) Header() http.Header { return rc.header }

func (rc *recorder) WriteHeader(status int) {
	if rc.status == 0 {
		rc.status = status
	}
}

func (rc *recorder) Write(b []byte) (int, error) {
	rc.WriteHeader(http.StatusOK)
	return rc.body.Write(b)
}

func (rc *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range rc.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rc.status)
	_, _ = w.Write(rc.body.Bytes())
}
