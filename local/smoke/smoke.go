// Package smoke checks a running stack as a client would (make smoke): it
// creates a profile tagged as a smoke test, reads it, finds it by a filter
// and by its email, patches it with If-Match, reads the user view and the
// partner look-up when it has their credentials, and deletes the profile,
// also when a step fails. Each step prints one line with its latency.
//
// It sends its requests with package client, each once: a retry would hide
// the failure the smoke test is there to show.
package smoke

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/profiles-service/profiles/client"
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
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	// Each credential goes only to the routes that take it (package client).
	api := client.New(cfg.BaseURL, client.WithBearerToken(cfg.Token), client.WithUserToken(cfg.UserToken),
		client.WithAPIKey(cfg.APIKey), client.WithHTTPClient(cfg.Client), client.WithRetry(1),
		client.WithUserAgent("profiles-smoke/1"))
	r := &runner{cfg: cfg, ctx: ctx, api: api, report: report}
	r.run()
	if r.failed {
		return ErrFailed
	}
	return nil
}

type runner struct {
	cfg    Config
	ctx    context.Context
	api    *client.Client
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
	if !r.step("create profile", func(ctx context.Context) error { return r.create(ctx, email) }) {
		return
	}
	if !r.step("read profile", r.read) {
		return
	}
	r.step("list by filter", func(ctx context.Context) error {
		return r.findIn(ctx, map[string]string{"lastName": r.mark, "enabled": "1"})
	})
	r.step("look up by email", func(ctx context.Context) error {
		return r.findIn(ctx, map[string]string{"email": email})
	})
	r.step("patch with If-Match", r.patch)
	sub := ""
	if r.cfg.UserToken == "" {
		r.skip("user view", "no USER_TOKEN")
	} else {
		r.step("user view", func(ctx context.Context) (err error) { sub, err = r.userView(ctx); return err })
	}
	if r.cfg.APIKey == "" {
		r.skip("partner look-up", "no API_KEY")
	} else {
		r.step("partner look-up", func(ctx context.Context) error { return r.partner(ctx, sub) })
	}
	r.step("delete profile", r.delete)
	r.step("read deleted profile", func(ctx context.Context) error {
		_, err := r.api.GetProfile(ctx, r.profileID)
		return want(err, http.StatusNotFound)
	})
}

// step runs one step, each of its requests within the configured timeout,
// and reports it; it returns whether it passed.
func (r *runner) step(name string, f func(context.Context) error) bool {
	start := time.Now()
	err := f(r.ctx)
	r.report(Step{Name: name, Latency: time.Since(start), Err: err})
	if err != nil {
		r.failed = true
	}
	return err == nil
}

func (r *runner) skip(name, why string) { r.report(Step{Name: name, Skipped: why}) }

// timeout is the context of one request.
func (r *runner) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.Timeout)
}

// cleanup deletes the profile when a failed step left it behind.
func (r *runner) cleanup() {
	if r.profileID == "" || r.deleted {
		return
	}
	r.step("cleanup: delete profile", r.delete)
}

func (r *runner) create(ctx context.Context, email string) error {
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	p, err := r.api.CreateProfile(ctx, client.ProfileInput{
		FirstName: client.Value("Smoke"),
		LastName:  client.Value(r.mark),
		Enabled:   client.Value(true),
		Tags:      client.Value([]string{Tag}),
		Contacts:  []client.ContactInput{{Key: client.Value("email"), Value: client.Value(email)}},
	}, &client.WriteOptions{IdempotencyKey: r.mark})
	if err != nil {
		return want(err, http.StatusCreated)
	}
	if p.ProfileID == "" {
		return errors.New("the created profile has no profileId")
	}
	r.profileID = p.ProfileID
	if !slices.Contains(p.Tags, Tag) {
		return fmt.Errorf("the created profile lost its %q tag: its tags are %q", Tag, p.Tags)
	}
	return nil
}

func (r *runner) read(ctx context.Context) error {
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	p, err := r.api.GetProfile(ctx, r.profileID)
	if err != nil {
		return want(err, http.StatusOK)
	}
	if r.etag = p.ETag; r.etag == "" {
		return errors.New("the read carries no ETag")
	}
	return nil
}

// findIn lists the profiles that filters select and fails unless the
// first page holds the profile.
func (r *runner) findIn(ctx context.Context, filters map[string]string) error {
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	page, err := r.api.ListProfiles(ctx, client.ListOptions{Filters: filters})
	if err != nil {
		return want(err, http.StatusOK)
	}
	for _, p := range page.Items {
		if p.ProfileID == r.profileID {
			return nil
		}
	}
	return fmt.Errorf("the page of %d profiles lacks %s", len(page.Items), r.profileID)
}

func (r *runner) patch(ctx context.Context) error {
	if r.etag == "" {
		return errors.New("no ETag from the read to send")
	}
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	p, err := r.api.PatchProfile(ctx, r.profileID, client.ProfileInput{MiddleName: client.Value("Patched")},
		&client.WriteOptions{IfMatch: r.etag})
	if err != nil {
		return want(err, http.StatusOK)
	}
	if p.ETag == "" || p.ETag == r.etag {
		return fmt.Errorf("the patch's ETag %q is not a new version of %q", p.ETag, r.etag)
	}
	r.etag = p.ETag
	return nil
}

// userView reads GET /api/me/profile: a 200, or the 404 of a user who has
// never updated a profile, shows the user token is accepted. It returns the
// user id when the user has a profile, for the partner look-up.
func (r *runner) userView(ctx context.Context) (string, error) {
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	_, err := r.api.GetMyProfile(ctx)
	switch {
	case err == nil:
		return subject(r.cfg.UserToken), nil
	case client.IsNotFound(err):
		return "", nil
	}
	return "", unexpected(err, "200 or 404")
}

// partner looks the user up with the API key: the user's profile (200)
// when the user view found one, else an unknown user's 404, which shows the
// key was accepted as well (a refused key is a 401 or 403).
func (r *runner) partner(ctx context.Context, sub string) error {
	id, status := sub, http.StatusOK
	if id == "" {
		id, status = r.mark+"-nobody", http.StatusNotFound
	}
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	_, err := r.api.GetUserProfile(ctx, id)
	return want(err, status)
}

func (r *runner) delete(ctx context.Context) error {
	err := r.deleteIfMatch(ctx, r.etag)
	if r.etag != "" && client.IsPreconditionFailed(err) {
		// A step changed the profile after the ETag it kept: delete it anyway.
		err = r.deleteIfMatch(ctx, "")
	}
	if err == nil {
		r.deleted = true
	}
	return err
}

func (r *runner) deleteIfMatch(ctx context.Context, etag string) error {
	ctx, cancel := r.timeout(ctx)
	defer cancel()
	return want(r.api.DeleteProfile(ctx, r.profileID, &client.WriteOptions{IfMatch: etag}), http.StatusNoContent)
}

// want is nil when a call's error is the answer expected: none for a 2xx
// status, a *client.Error of that status otherwise. The client takes any
// 2xx as success; which one each route answers is the contract tests'
// business (make contract).
func want(err error, status int) error {
	var e *client.Error
	switch {
	case status < 300 && err == nil:
		return nil
	case err == nil:
		return fmt.Errorf("a 2xx answer, want %d", status)
	case errors.As(err, &e) && e.Status == status:
		return nil
	}
	return unexpected(err, fmt.Sprint(status))
}

// unexpected says what came back instead, with the request id a problem
// body or API Gateway's header carries, to quote when asking why; or why
// no answer came.
func unexpected(err error, want string) error {
	var e *client.Error
	if !errors.As(err, &e) {
		return err
	}
	body := string(e.Body)
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	if e.RequestID != "" {
		return fmt.Errorf("status %d, want %s (request %s): %s", e.Status, want, e.RequestID, body)
	}
	return fmt.Errorf("status %d, want %s: %s", e.Status, want, body)
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
