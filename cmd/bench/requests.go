package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/aws/gateway"
)

// newHTTPClient is the one HTTP client every client of the bench shares:
// a pool that keeps conns connections to a host open (so that no measured
// request pays for a handshake), no compression, and the capacity metering
// of meteredTransport.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{Transport: meteredTransport{next: &http.Transport{
		MaxIdleConnsPerHost: conns, DisableCompression: true,
	}}}
}

// apiClient is a client of the API at base, with the admin token and opts,
// that sends each request once: a retry would be measured as one slow
// request, and a refusal must be counted, not hidden.
func (e *env) apiClient(base string, opts ...client.Option) *client.Client {
	return client.New(base, append([]client.Option{client.WithHTTPClient(e.http), client.WithRetry(1),
		client.WithBearerToken(e.token), client.WithUserAgent("profiles-bench/1")}, opts...)...)
}

// setupRetries is how many times a set-up request the sections do not
// measure is sent: a busy machine's database refuses a few (503).
const setupRetries = 3

// setupClient is a client of the API at base for the requests that set a
// section up and are not measured: it retries what package client retries
// safely, a create with the same Idempotency-Key every time, so a 503
// whose write landed creates one.
func (e *env) setupClient(base string) *client.Client {
	return e.apiClient(base, client.WithRetry(setupRetries), client.WithBackoff(50*time.Millisecond, 2*time.Second))
}

// noKey sends a POST without an Idempotency-Key, as the bench's writes
// always were: a key adds a write of its own, which would change what a
// create costs and how long it takes.
var noKey = &client.WriteOptions{NoIdempotencyKey: true}

// statusOf is the status a call's error stands for: 200 for none (the
// client takes any 2xx as success), the answer's status for a
// *client.Error, and 0 for no answer (or one the client could not read).
func statusOf(err error) int {
	var e *client.Error
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &e):
		return e.Status
	}
	return 0
}

// expect is nil when err, a call's outcome, is the answer want: success
// for a 2xx, an error answer of that status otherwise.
func expect(err error, want int) error {
	switch got := statusOf(err); {
	case want < 300 && err == nil, want >= 300 && got == want:
		return nil
	case err == nil:
		return fmt.Errorf("a 2xx answer, want %d", want)
	default:
		return fmt.Errorf("%w (want %d)", err, want)
	}
}

// getProfile is a measured GET /profiles/{id}.
func getProfile(c *client.Client, id string) call {
	return func(ctx context.Context) error {
		_, err := c.GetProfile(ctx, id)
		return err
	}
}

// listProfiles is a measured GET /profiles answered with want.
func listProfiles(c *client.Client, o client.ListOptions, want int) call {
	return func(ctx context.Context) error {
		_, err := c.ListProfiles(ctx, o)
		return expect(err, want)
	}
}

// userToken is an end user's token for the user view.
func (e *env) userToken(sub string) (string, error) {
	return gateway.SignRole(e.tpl, gateway.RoleUser, sub, nil, time.Hour)
}
