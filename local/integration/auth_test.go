package integration

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/gateway"
	"github.com/profiles-service/profiles/local/testenv"
)

func TestBearerAuth(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"A"}`).expect(t, 201, &p)
	expired, _ := gateway.SignLocal(gateway.LocalSecret, "admin", []string{"profiles:read", "profiles:write"}, -time.Minute)
	foreign, _ := gateway.SignLocal("another-key-another-key-another-key", "admin", []string{"profiles:read", "profiles:write"}, time.Hour)
	readOnly := testenv.Token(t, "reader", "profiles:read")
	writeOnly := testenv.Token(t, "writer", "profiles:write")
	for _, tc := range []struct {
		name, token, method, path string
		status                    int
	}{
		{"no token", "", "GET", "/profiles", 401},
		{"garbage", "not-a-jwt", "GET", "/profiles", 401},
		{"expired", expired, "GET", "/profiles/" + p.ProfileID, 401},
		{"foreign key", foreign, "GET", "/profiles", 401},
		{"read scope cannot write", readOnly, "POST", "/profiles", 403},
		{"read scope cannot delete", readOnly, "DELETE", "/profiles/" + p.ProfileID, 403},
		{"read scope cannot add contacts", readOnly, "POST", "/profiles/" + p.ProfileID + "/contacts", 403},
		{"write scope cannot read", writeOnly, "GET", "/profiles/" + p.ProfileID, 403},
		{"read scope reads", readOnly, "GET", "/profiles/" + p.ProfileID, 200},
		{"write scope writes", writeOnly, "PATCH", "/profiles/" + p.ProfileID, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := *a
			c.t, c.token = t, tc.token
			r := c.do(tc.method, tc.path, `{"lastName":"B"}`)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d (%s)", r.Status, tc.status, r.Body)
			}
			if tc.status >= 400 {
				var body map[string]string
				if json.Unmarshal(r.Body, &body) != nil || body["message"] == "" {
					t.Errorf("gateway error body %s", r.Body)
				}
			}
		})
	}
	a.do("GET", "/nowhere", nil).expect(t, 404, nil)
	var after Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &after)
	if str(after.LastName) != "B" {
		t.Errorf("only the authorised PATCH should have applied: %+v", after)
	}
}
