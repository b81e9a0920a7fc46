package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/profiles-service/profiles/local/aws/gateway"
)

// errStatus is an answer other than the one expected.
type errStatus struct {
	method, path string
	status, want int
	body         string
}

func (e *errStatus) Error() string {
	return fmt.Sprintf("%s %s: %d (want %d): %s", e.method, e.path, e.status, e.want, e.body)
}

// do sends one request to the API at base and reads the whole answer; a
// status other than want (when want is not 0) is an error.
func (e *env) do(ctx context.Context, method, base, path string, body io.Reader, want int, header ...string) (*http.Response, error) {
	resp, _, err := e.doBody(ctx, method, base, path, body, want, header...)
	return resp, err
}

// doBody is do, keeping the answer's body.
func (e *env) doBody(ctx context.Context, method, base, path string, body io.Reader, want int, header ...string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if want != 0 && resp.StatusCode != want {
		return nil, nil, &errStatus{method, path, resp.StatusCode, want, string(b)}
	}
	return resp, b, nil
}

// get is a measured GET of path on the API at base.
func (e *env) get(base, path string) func(context.Context) error {
	return e.getStatus(base, path, http.StatusOK)
}

// getStatus is a measured GET of path answered with want.
func (e *env) getStatus(base, path string, want int) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := e.do(ctx, http.MethodGet, base, path, nil, want)
		return err
	}
}

// userToken is an end user's token for the user view.
func (e *env) userToken(sub string) (string, error) {
	return gateway.SignRole(e.tpl, gateway.RoleUser, sub, nil, time.Hour)
}
