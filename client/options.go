package client

import (
	"net/http"
	"time"
)

// Option configures a Client in New.
type Option func(*Client)

// WithBearerToken sets the admin token the /profiles routes send as
// "Authorization: Bearer <token>".
func WithBearerToken(token string) Option { return func(c *Client) { c.adminToken = token } }

// WithUserToken sets the end user's token the /api/me routes send as
// "Authorization: Bearer <token>"; its subject is the user id.
func WithUserToken(token string) Option { return func(c *Client) { c.userToken = token } }

// WithAPIKey sets the partner's API key the /api/users/{userId}/profile
// route sends as "x-api-key".
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithHTTPClient sets the HTTP client that sends the requests
// (http.DefaultClient by default).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRetry sets the most attempts a request gets when its answer is
// retryable (see the package doc); 1 sends each request once. The default
// is 3; values below 1 count as 1.
func WithRetry(max int) Option { return func(c *Client) { c.attempts = max } }

// WithBackoff sets the wait before the first retry (doubled each retry,
// jittered) and the most any wait lasts, Retry-After included. The
// defaults are 200ms and 5s.
func WithBackoff(first, most time.Duration) Option {
	return func(c *Client) { c.backoffFirst, c.backoffMost = first, most }
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }
