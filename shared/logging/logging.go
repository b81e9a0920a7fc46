// Package logging makes the service's structured JSON logs: every line
// carries the request id of the request it belongs to, and no line holds an
// email address, a phone number, a token or an API key in clear.
package logging

import (
	"context"
	"io"
	"log/slog"
	"regexp"
)

// New returns a JSON logger writing to w that masks personal data and
// credentials in every string and error it logs, the message included.
func New(w io.Writer) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: maskAttr})
	return slog.New(requestIDHandler{h})
}

var (
	bearer = regexp.MustCompile(`(?i)\bbearer\s+\S+`)
	jwt    = regexp.MustCompile(`\beyJ[\w-]*\.[\w-]+\.[\w-]*`)
	apiKey = regexp.MustCompile(`\bpk_[\w-]{8,}`)
	email  = regexp.MustCompile(`[\w.!#$%&'*+/=?^{|}~-]+@[\w-]+(\.[\w-]+)+`)
	phone  = regexp.MustCompile(`(\+|\b00)\d[\d ().-]{6,}\d`)
)

// Mask replaces what looks like a credential, an email address or a phone
// number in s.
func Mask(s string) string {
	s = bearer.ReplaceAllString(s, "Bearer [token]")
	s = jwt.ReplaceAllString(s, "[token]")
	s = apiKey.ReplaceAllString(s, "[api-key]")
	s = email.ReplaceAllString(s, "[email]")
	return phone.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 8 || digits > 15 {
			return m // a number, a date or an id rather than a phone
		}
		return "[phone]"
	})
}

func maskAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Mask(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(Mask(err.Error()))
		}
	}
	return a
}

type requestIDKey struct{}

// WithRequestID returns a context whose log lines carry the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestIDHandler adds the context's request id to each record.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok && id != "" {
		r.AddAttrs(slog.String("requestId", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
