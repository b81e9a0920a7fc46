package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/smoke"
	"github.com/profiles-service/profiles/local/testenv"
)

// TestSmokeAgainstTheLocalAPI runs make smoke's steps against the local
// API, as they run against a deployed stack: every step passes with each
// set of credentials, a failed step still deletes the profile, and no run
// leaves an item behind.
func TestSmokeAgainstTheLocalAPI(t *testing.T) {
	t.Parallel()
	admin := newAPI(t)
	const userID = "smoke-user-0001"
	user := admin.as(t, testenv.UserToken(t, userID))
	user.do("POST", "/api/me/profile/update", `{"givenName":"Smoke","familyName":"User"}`).expect(t, 200, nil)
	key := newKey(t, admin, "smoke-partner")

	for _, tc := range []struct {
		name      string
		cfg       smoke.Config
		wantErr   bool
		wantSteps []string
	}{
		{name: "admin only", cfg: smoke.Config{Token: admin.token},
			wantSteps: []string{"ok   create profile", "ok   list by filter", "ok   look up by email", "ok   patch with If-Match", "SKIP user view", "SKIP partner look-up", "ok   delete profile"}},
		{name: "every credential", cfg: smoke.Config{Token: admin.token, UserToken: user.token, APIKey: key},
			wantSteps: []string{"ok   user view", "ok   partner look-up", "ok   read deleted profile"}},
		{name: "a partner key without a user", cfg: smoke.Config{Token: admin.token, APIKey: key},
			wantSteps: []string{"ok   partner look-up"}},
		{name: "a failing step still deletes", cfg: smoke.Config{Token: admin.token, UserToken: "not-a-token"}, wantErr: true,
			wantSteps: []string{"FAIL user view", "ok   delete profile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.BaseURL = admin.stack.URL
			var lines []string
			err := smoke.Run(context.Background(), tc.cfg, func(s smoke.Step) { lines = append(lines, s.String()) })
			if tc.wantErr != errors.Is(err, smoke.ErrFailed) {
				t.Errorf("err %v, want failure %v:\n%s", err, tc.wantErr, strings.Join(lines, "\n"))
			}
			out := strings.Join(lines, "\n")
			for _, want := range tc.wantSteps {
				if !strings.Contains(out, want) {
					t.Errorf("no line %q:\n%s", want, out)
				}
			}
		})
	}
	// No run left its profile behind, the failed one included.
	var left []Profile
	admin.do("GET", "/profiles?filter[firstName]=Smoke&filter[enabled]=1", nil).expect(t, 200, &left)
	for _, p := range left {
		if strings.HasPrefix(apitest.StringOf(p.LastName), "smoke") {
			t.Errorf("a smoke profile was left behind: %+v", p)
		}
	}
}
