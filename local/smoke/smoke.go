// Package smoke checks a running stack as a client would (make smoke): it
// creates a profile tagged as a smoke test, reads it, finds it by a filter
// and by its email, patches it with If-Match, reads the user view and the
// partner look-up when it has their credentials, and deletes the profile,
// also when a step fails. Each step prints one line with its latency.
package smoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Tag marks the profiles the smoke test creates, so one it could not delete
// (the stack died mid-run) can be found and removed by hand.
const Tag = "smoke-test"

// Config is what a run needs: the API's base URL and the credentials. Only
// BaseURL and Token are required; UserToken (an end user's token) and
// APIKey (a partner's key) add their steps.
type Config struct {
	BaseURL   string
	Token     string // an admin token with profiles:read and profiles:write
	UserToken string
	APIKey    string
	Client    *http.Client  // http.DefaultClient when nil
	Timeout   time.Duration // of each request; 10s when 0
}

// Step is the outcome of one step.
type Step struct {
	Name    string
	Latency time.Duration
	Err     error
	Skipped string // why the step did not run, when it did not
}

func (s Step) String() string {
	switch {
	case s.Skipped != "":
		return fmt.Sprintf("SKIP %-22s %s", s.Name, s.Skipped)
	case s.Err != nil:
		return fmt.Sprintf("FAIL %-22s %6dms  %v", s.Name, s.Latency.Milliseconds(), s.Err)
	}
	return fmt.Sprintf("ok   %-22s %6dms", s.Name, s.Latency.Milliseconds())
}

// ErrFailed is returned by Run when a step failed.
var ErrFailed = errors.New("smoke test failed")

// Run runs every step against the stack, reporting each to report as it
// ends, and returns ErrFailed when any failed. The profile it created is
// deleted whatever happened.
func Run(ctx context.Context, cfg Config, report func(Step)) error {
	if cfg.BaseURL == "" {
		return errors.New("no base URL: name the stack to check explicitly")
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Token == "" {
		return errors.New("no admin token")
	}
	r := &runner{cfg: cfg, ctx: ctx, report: report}
	r.run()
	if r.failed {
		return ErrFailed
	}
	return nil
}

type runner struct {
	cfg    Config
	ctx    context.Context
	report func(Step)
	failed bool

	mark      string // unique to this run: the profile's last name and email
	profileID string
	etag      string
	deleted   bool
}

func (r *runner) run() {
	r.mark = "smoke" + randomHex(6)
	email := r.mark + "@example.com"
	defer r.cleanup()
	if !r.step("create profile", func() error { return r.create(email) }) {
		return
	}
	if !r.step("read profile", r.read) {
		return
	}
	r.step("list by filter", func() error {
		return r.findIn("/profiles?filter[lastName]=" + url.QueryEscape(r.mark) + "&filter[enabled]=1")
	})
	r.step("look up by email", func() error {
		return r.findIn("/profiles?filter[email]=" + url.QueryEscape(email))
	})
	r.step("patch with If-Match", r.patch)
	sub := ""
	if r.cfg.UserToken == "" {
		r.skip("user view", "no USER_TOKEN")
	} else {
		r.step("user view", func() (err error) { sub, err = r.userView(); return err })
	}
	if r.cfg.APIKey == "" {
		r.skip("partner look-up", "no API_KEY")
	} else {
		r.step("partner look-up", func() error { return r.partner(sub) })
	}
	r.step("delete profile", r.delete)
	r.step("read deleted profile", func() error {
		_, err := r.call(http.MethodGet, "/profiles/"+r.profileID, nil, http.StatusNotFound, r.admin())
		return err
	})
}

// step runs one step and reports it; it returns whether it passed.
func (r *runner) step(name string, f func() error) bool {
	start := time.Now()
	err := f()
	r.report(Step{Name: name, Latency: time.Since(start), Err: err})
	if err != nil {
		r.failed = true
	}
	return err == nil
}

func (r *runner) skip(name, why string) { r.report(Step{Name: name, Skipped: why}) }

// cleanup deletes the profile when a failed step left it behind.
func (r *runner) cleanup() {
	if r.profileID == "" || r.deleted {
		return
	}
	r.step("cleanup: delete profile", r.delete)
}

func (r *runner) create(email string) error {
	body := map[string]any{
		"firstName": "Smoke",
		"lastName":  r.mark,
		"enabled":   true,
		"tags":      []string{Tag},
		"contacts":  []map[string]any{{"key": "email", "value": email}},
	}
	var p profileView
	resp, err := r.call(http.MethodPost, "/profiles", body, http.StatusCreated, r.admin(), "Idempotency-Key", r.mark)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.body, &p); err != nil || p.ProfileID == "" {
		return fmt.Errorf("the created profile has no profileId: %s", resp.body)
	}
	r.profileID = p.ProfileID
	if !slices.Contains(p.Tags, Tag) {
		return fmt.Errorf("the created profile lost its %q tag: %s", Tag, resp.body)
	}
	return nil
}

func (r *runner) read() error {
	resp, err := r.call(http.MethodGet, "/profiles/"+r.profileID, nil, http.StatusOK, r.admin())
	if err != nil {
		return err
	}
	if r.etag = resp.header.Get("ETag"); r.etag == "" {
		return errors.New("the read carries no ETag")
	}
	return nil
}

// findIn lists path and fails unless the page holds the profile.
func (r *runner) findIn(path string) error {
	resp, err := r.call(http.MethodGet, path, nil, http.StatusOK, r.admin())
	if err != nil {
		return err
	}
	var page []profileView
	if err := json.Unmarshal(resp.body, &page); err != nil {
		return fmt.Errorf("the page is no list of profiles: %w", err)
	}
	for _, p := range page {
		if p.ProfileID == r.profileID {
			return nil
		}
	}
	return fmt.Errorf("the page of %d profiles lacks %s", len(page), r.profileID)
}

func (r *runner) patch() error {
	if r.etag == "" {
		return errors.New("no ETag from the read to send")
	}
	resp, err := r.call(http.MethodPatch, "/profiles/"+r.profileID, map[string]any{"middleName": "Patched"},
		http.StatusOK, r.admin(), "If-Match", r.etag)
	if err != nil {
		return err
	}
	if etag := resp.header.Get("ETag"); etag == "" || etag == r.etag {
		return fmt.Errorf("the patch's ETag %q is not a new version of %q", etag, r.etag)
	}
	r.etag = resp.header.Get("ETag")
	return nil
}

// userView reads GET /api/me/profile: a 200, or the 404 of a user who has
// never updated a profile, shows the user token is accepted. It returns the
// user id when the user has a profile, for the partner look-up.
func (r *runner) userView() (string, error) {
	resp, err := r.call(http.MethodGet, "/api/me/profile", nil, 0, "Bearer "+r.cfg.UserToken)
	if err != nil {
		return "", err
	}
	switch resp.status {
	case http.StatusOK:
		return subject(r.cfg.UserToken), nil
	case http.StatusNotFound:
		return "", nil
	}
	return "", unexpected(resp, "200 or 404")
}

// partner looks the user up with the API key: the user's profile (200)
// when the user view found one, else an unknown user's 404, which shows the
// key was accepted as well (a refused key is a 401 or 403).
func (r *runner) partner(sub string) error {
	id, want := sub, http.StatusOK
	if id == "" {
		id, want = r.mark+"-nobody", http.StatusNotFound
	}
	_, err := r.call(http.MethodGet, "/api/users/"+url.PathEscape(id)+"/profile", nil, want, "", "x-api-key", r.cfg.APIKey)
	return err
}

func (r *runner) delete() error {
	headers := []string{}
	if r.etag != "" {
		headers = append(headers, "If-Match", r.etag)
	}
	_, err := r.call(http.MethodDelete, "/profiles/"+r.profileID, nil, http.StatusNoContent, r.admin(), headers...)
	if err != nil && r.etag != "" && strings.Contains(err.Error(), "412") {
		// A step changed the profile after the ETag it kept: delete it anyway.
		_, err = r.call(http.MethodDelete, "/profiles/"+r.profileID, nil, http.StatusNoContent, r.admin())
	}
	if err == nil {
		r.deleted = true
	}
	return err
}

func (r *runner) admin() string { return "Bearer " + r.cfg.Token }

// response is what a step reads of an answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request; want 0 accepts any status. headers are name,
// value pairs.
func (r *runner) call(method, path string, body any, want int, authorization string, headers ...string) (*response, error) {
	timeout := r.cfg.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.ctx, timeout)
	defer cancel()
	var reader io.Reader = http.NoBody
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(r.cfg.BaseURL, "/")+path, reader)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := r.cfg.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	out := &response{status: resp.StatusCode, header: resp.Header, body: raw}
	if want != 0 && resp.StatusCode != want {
		return out, unexpected(out, fmt.Sprint(want))
	}
	return out, nil
}

// unexpected says what came back instead, with the request id a problem
// body or API Gateway's header carries, to quote when asking why.
func unexpected(resp *response, want string) error {
	id := resp.header.Get("Apigw-Requestid")
	var p struct {
		RequestID string `json:"requestId"`
	}
	if json.Unmarshal(resp.body, &p) == nil && p.RequestID != "" {
		id = p.RequestID
	}
	body := string(resp.body)
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	if id != "" {
		return fmt.Errorf("status %d, want %s (request %s): %s", resp.status, want, id, body)
	}
	return fmt.Errorf("status %d, want %s: %s", resp.status, want, body)
}

// profileView is what the steps read of a profile.
type profileView struct {
	ProfileID string   `json:"profileId"`
	Tags      []string `json:"tags"`
}

// subject is a JWT's sub claim, read without verifying it (the API did).
func subject(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(raw, &claims)
	return claims.Sub
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
