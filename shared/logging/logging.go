// Package logging makes the service's structured JSON logs: every line
// carries the request id of the request it belongs to, and no line holds an
// email address, a phone number, a token or an API key in clear.
package logging

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
)

// New returns a JSON logger writing to w, from level up, that masks
// personal data and credentials in every string and error it logs, the
// message included.
func New(w io.Writer, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: maskAttr})
	return slog.New(requestIDHandler{h})
}

// LevelFromEnv is the level Lambda's LoggingConfig asks for: Lambda sets
// AWS_LAMBDA_LOG_LEVEL to the function's ApplicationLogLevel (TRACE, DEBUG,
// INFO, WARN, ERROR or FATAL) when its log format is JSON. It also drops
// lines below that level itself, reading their "level" field; logging less
// to begin with saves the work. INFO when unset.
func LevelFromEnv(getenv func(string) string) slog.Level {
	switch strings.ToUpper(getenv("AWS_LAMBDA_LOG_LEVEL")) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// maskPatterns are what Mask replaces.
type maskPatterns struct{ bearer, jwt, apiKey, email, phone *regexp.Regexp }

// emailPattern matches every address the validator (profile.NormalizeEmail)
// accepts, as a client may spell it: a local part of any characters but
// spaces, controls and the specials RFC 5322 keeps out of an atom
// (Unicode ones included, RFC 6532), then a domain of at least two labels
// of any such characters, separated by any of the full stops UTS #46 maps
// to ".". Wider than an address, never narrower: a log loses a little
// text rather than hold an address.
const emailPattern = `[^\s\p{Z}\p{Cc}@<>()\[\]\\,;:"]+@` + emailLabel + `(` + emailDot + emailLabel + `)+`

const (
	emailDot   = `[.\x{3002}\x{FF0E}\x{FF61}]`
	emailLabel = `[^\s\p{Z}\p{Cc}@<>()\[\]\\,;:"'/?#&=.\x{3002}\x{FF0E}\x{FF61}]+`
)

// patterns are compiled on first use: a function that never logs a
// secret-shaped string never compiles them.
var patterns = sync.OnceValue(func() *maskPatterns {
	return &maskPatterns{
		bearer: regexp.MustCompile(`(?i)\bbearer\s+\S+`),
		jwt:    regexp.MustCompile(`\beyJ[\w-]*\.[\w-]+\.[\w-]*`),
		apiKey: regexp.MustCompile(`\bpk_[\w-]{8,}`),
		email:  regexp.MustCompile(emailPattern),
		phone:  regexp.MustCompile(`(\+|\b00)\d[\d ().-]{6,}\d`),
	}
})

// Mask replaces what looks like a credential, an email address or a phone
// number in s.
func Mask(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	return maskAll(s)
}

// mayHoldSecret is false for a string none of the patterns can match: each
// needs a mark ("bearer", "eyJ", "pk_", "@", or 8 digits with "+" or
// "00"). Most logged values (methods, routes, statuses, ids) have none, and
// one pass over them costs far less than five regular expressions.
func mayHoldSecret(s string) bool {
	digits, plus := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			return true
		case c == '+':
			plus = true
		case '0' <= c && c <= '9':
			digits++
		}
	}
	return digits >= 8 && (plus || strings.Contains(s, "00")) ||
		strings.Contains(s, "eyJ") || strings.Contains(s, "pk_") || containsFold(s, "bearer")
}

// containsFold reports whether s holds the lower-case ASCII word in any case.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

func maskAll(s string) string {
	p := patterns()
	// Addresses first: a local part may hold what looks like a token.
	s = p.email.ReplaceAllString(s, "[email]")
	s = p.bearer.ReplaceAllString(s, "Bearer [token]")
	s = p.jwt.ReplaceAllString(s, "[token]")
	s = p.apiKey.ReplaceAllString(s, "[api-key]")
	return p.phone.ReplaceAllStringFunc(s, func(m string) string {
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

// RequestID is the context's request id, "" for none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

type traceIDKey struct{}

// WithTraceID returns a context whose log lines carry the X-Ray trace id.
func WithTraceID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, traceIDKey{}, id)
}

// TraceID is the X-Ray trace id of the Lambda invocation ctx belongs to
// (its Root), "" outside Lambda or without active tracing. The Lambda
// runtime puts the X-Amzn-Trace-Id header of each invocation in its context
// (and in _X_AMZN_TRACE_ID, which concurrent local invocations would share).
func TraceID(ctx context.Context) string {
	header, _ := ctx.Value("x-amzn-trace-id").(string)
	for part := range strings.SplitSeq(header, ";") {
		if root, ok := strings.CutPrefix(part, "Root="); ok {
			return root
		}
	}
	return ""
}

// requestIDHandler adds the context's request and trace ids to each record.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok && id != "" {
		r.AddAttrs(slog.String("requestId", id))
	}
	if id, ok := ctx.Value(traceIDKey{}).(string); ok && id != "" {
		r.AddAttrs(slog.String("traceId", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
