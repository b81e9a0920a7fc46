package apitest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/smoke"
)

// TestSmokeAgainstTheLocalAPI runs make smoke's steps against the API (in
// process, behind the local gateway), as they run against a deployed
// stack: every step passes with each set of credentials, a failed step
// still deletes the profile, and no run leaves a profile behind.
func TestSmokeAgainstTheLocalAPI(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	const userID = "smoke-user-0001"
	userToken, adminToken := a.UserToken(userID), a.Token("admin", apitest.Scopes...)
	must(a.User(userID).UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("Smoke"), FamilyName: client.Value("User")}, nil))(t)
	key := a.NewAPIKey("smoke-partner")

	for _, tc := range []struct {
		name      string
		cfg       smoke.Config
		wantErr   bool
		wantSteps []string
	}{
		{name: "admin only", cfg: smoke.Config{Token: adminToken},
			wantSteps: []string{"ok   create profile", "ok   list by filter", "ok   look up by email", "ok   patch with If-Match", "SKIP user view", "SKIP partner look-up", "ok   delete profile"}},
		{name: "every credential", cfg: smoke.Config{Token: adminToken, UserToken: userToken, APIKey: key},
			wantSteps: []string{"ok   user view", "ok   partner look-up", "ok   read deleted profile"}},
		{name: "a partner key without a user", cfg: smoke.Config{Token: adminToken, APIKey: key},
			wantSteps: []string{"ok   partner look-up"}},
		{name: "a failing step still deletes", cfg: smoke.Config{Token: adminToken, UserToken: "not-a-token"}, wantErr: true,
			wantSteps: []string{"FAIL user view", "ok   delete profile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.BaseURL = a.URL
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
	for p, err := range a.Admin.Profiles(ctx, client.ListOptions{Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(apitest.StringOf(p.LastName), "smoke") {
			t.Errorf("a smoke profile was left behind: %+v", p)
		}
	}
}
