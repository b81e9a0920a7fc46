package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client is a client of one deployment of the API. It is safe for
// concurrent use; build it with New.
type Client struct {
	base                      *url.URL
	baseErr                   error
	http                      *http.Client
	adminToken                string
	userToken                 string
	apiKey                    string
	attempts                  int
	backoffFirst, backoffMost time.Duration
	userAgent                 string
}

// New returns a client of the API at baseURL, such as
// "https://abc123.execute-api.eu-west-1.amazonaws.com" or
// "http://127.0.0.1:3000". A baseURL that does not parse makes every call
// return that error.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{http: http.DefaultClient, attempts: 3, backoffFirst: 200 * time.Millisecond,
		backoffMost: 5 * time.Second, userAgent: "profiles-client/1"}
	c.base, c.baseErr = url.Parse(strings.TrimSuffix(baseURL, "/"))
	if c.baseErr == nil && (c.base.Scheme == "" || c.base.Host == "") {
		c.baseErr = fmt.Errorf("client: base URL %q is not absolute", baseURL)
	}
	for _, o := range opts {
		o(c)
	}
	c.attempts = max(c.attempts, 1)
	if c.http == nil {
		c.http = http.DefaultClient
	}
	return c
}

// WriteOptions are a write's preconditions and idempotency. A nil
// *WriteOptions is the zero value: no If-Match, a generated key.
type WriteOptions struct {
	// IfMatch is an ETag read before ("\"3\""), or "*"; "" sends none. A
	// version that is no longer current is a 412 that changes nothing.
	IfMatch string
	// IdempotencyKey is the Idempotency-Key of a POST that takes one
	// (CreateProfile, CreateContact, UpdateMyProfile). "" makes the client
	// draw one for the call, kept across its own retries. PUT, PATCH and
	// DELETE take no key and ignore it.
	IdempotencyKey string
	// NoIdempotencyKey sends a POST without a key, so nothing but an answer
	// proving that nothing landed makes the client send it again.
	NoIdempotencyKey bool
}

// auth names the credential a route takes.
type auth int

const (
	authAdmin auth = iota
	authUser
	authPartner
)

// request is one call of the API, which the client may send several times.
type request struct {
	method  string
	target  string // a path below the base URL, or an absolute URL (a next link)
	query   url.Values
	body    []byte // nil: none
	auth    auth
	ifMatch string
	key     string // Idempotency-Key; "" for none
}

// reply is a 2xx answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// writeRequest is a write of in, with o's precondition; keyed says whether
// the route takes an Idempotency-Key.
func writeRequest(method, target string, a auth, in json.Marshaler, o *WriteOptions, keyed bool) (request, error) {
	r := request{method: method, target: target, auth: a}
	if in != nil {
		b, err := in.MarshalJSON()
		if err != nil {
			return r, err
		}
		r.body = b
	}
	if o == nil {
		o = &WriteOptions{}
	}
	r.ifMatch = o.IfMatch
	if keyed && !o.NoIdempotencyKey {
		r.key = o.IdempotencyKey
		if r.key == "" {
			r.key = newKey()
		}
	}
	return r, nil
}

// newKey is a fresh Idempotency-Key: 26 characters of crypto/rand, 130 bits.
func newKey() string { return rand.Text() }

// do sends r, again while its answer is retryable and attempts are left,
// and returns its 2xx answer or the error of its last attempt.
func (c *Client) do(ctx context.Context, r request) (*reply, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	u, err := c.resolve(r.target)
	if err != nil {
		return nil, err
	}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	for attempt := 1; ; attempt++ {
		rep, err := c.send(ctx, r, u)
		if err == nil {
			return rep, nil
		}
		if attempt >= c.attempts || !r.retryable(err) {
			return nil, err
		}
		if werr := c.wait(ctx, attempt, err); werr != nil {
			return nil, fmt.Errorf("%w; not retried: %w", err, werr)
		}
	}
}

// send makes one attempt. Its error is an *Error for a non-2xx answer, a
// *NetworkError when no answer came, or ctx's error.
func (c *Client) send(ctx context.Context, r request, u *url.URL) (*reply, error) {
	resp, out, err := c.roundTrip(ctx, r, u, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newError(r.method, u.Path, resp, out)
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: out}, nil
}

// roundTrip sends r once to u with the client's headers, then header's
// (each name in header replaces the client's), and reads the whole answer.
// Its error is a *NetworkError when no answer came, or ctx's error.
func (c *Client) roundTrip(ctx context.Context, r request, u *url.URL, header http.Header) (*http.Response, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err // nothing was sent: not a NetworkError, whose write may have landed
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, nil, err
	}
	h := req.Header
	h.Set("Accept", "application/json, application/problem+json")
	h.Set("User-Agent", c.userAgent)
	if r.body != nil {
		h.Set("Content-Type", "application/json")
	}
	if r.ifMatch != "" {
		h.Set("If-Match", r.ifMatch)
	}
	if r.key != "" {
		h.Set("Idempotency-Key", r.key)
	}
	switch r.auth {
	case authAdmin:
		if c.adminToken != "" {
			h.Set("Authorization", "Bearer "+c.adminToken)
		}
	case authUser:
		if c.userToken != "" {
			h.Set("Authorization", "Bearer "+c.userToken)
		}
	case authPartner:
		if c.apiKey != "" {
			h.Set("x-api-key", c.apiKey)
		}
	}
	for name, values := range header {
		name = http.CanonicalHeaderKey(name)
		if len(values) == 0 {
			h.Del(name)
		} else {
			h[name] = values
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, &NetworkError{Method: r.method, URL: u.Redacted(), Err: ctx.Err(), Write: r.method != http.MethodGet}
		}
		return nil, nil, &NetworkError{Method: r.method, URL: u.Redacted(), Err: err, Write: r.method != http.MethodGet}
	}
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		// The answer started but was lost: for a write, what it said is unknown.
		return nil, nil, &NetworkError{Method: r.method, URL: u.Redacted(), Err: err, Write: r.method != http.MethodGet}
	}
	return resp, out, nil
}

// retryable says whether err, the outcome of one attempt of r, allows
// sending r again without the risk of it taking effect twice.
func (r request) retryable(err error) bool {
	// A GET changes nothing; a keyed POST takes effect at most once.
	repeatable := r.method == http.MethodGet || r.key != ""
	var ne *NetworkError
	if errors.As(err, &ne) {
		return repeatable && !errors.Is(ne.Err, context.Canceled) && !errors.Is(ne.Err, context.DeadlineExceeded)
	}
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Status {
	case http.StatusTooManyRequests:
		return true // API Gateway's throttling: no function ran
	case http.StatusServiceUnavailable:
		// A plain 503 wrote nothing; an outcome-unknown one may have.
		return repeatable || !e.OutcomeUnknown()
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return repeatable
	}
	return false
}

// wait sleeps before retry number attempt: an exponential backoff with
// equal jitter, at least the answer's Retry-After, at most backoffMost.
// It returns ctx's error if ctx ends first.
func (c *Client) wait(ctx context.Context, attempt int, err error) error {
	d := c.backoffFirst << min(attempt-1, 20)
	if d <= 0 || d > c.backoffMost {
		d = c.backoffMost
	}
	if d > 0 {
		d = d/2 + mrand.N(d/2+1) //nolint:gosec // G404: jitter needs spread, not unpredictability
	}
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > d {
		d = e.RetryAfter
	}
	d = min(d, c.backoffMost)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// resolve is target's URL: a path below the base URL, or an absolute URL
// (a next link), which must name the base URL's scheme and host so that
// no credential goes to another server.
func (c *Client) resolve(target string) (*url.URL, error) {
	ref, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if ref.IsAbs() || ref.Host != "" {
		if ref.Scheme != c.base.Scheme || ref.Host != c.base.Host {
			return nil, fmt.Errorf("client: %q is not on the base URL's server %s://%s", target, c.base.Scheme, c.base.Host)
		}
		return ref, nil
	}
	u := *c.base
	esc := ref.EscapedPath()
	if prefix := strings.TrimSuffix(c.base.EscapedPath(), "/"); prefix != "" && !strings.HasPrefix(esc, prefix+"/") {
		esc = prefix + esc
	}
	if u.Path, err = url.PathUnescape(esc); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	u.RawPath = esc
	u.RawQuery = ref.RawQuery
	return &u, nil
}

// decodeInto decodes a 2xx JSON body into v.
func (rep *reply) decodeInto(v any) error {
	if err := json.Unmarshal(rep.body, v); err != nil {
		return fmt.Errorf("client: decoding a %d answer: %w", rep.status, err)
	}
	return nil
}

// retryAfter reads a Retry-After header in seconds (the form this API
// sends); 0 when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}
