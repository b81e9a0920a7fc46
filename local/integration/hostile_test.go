package integration

import (
	"net/url"
	"strings"
	"testing"
)

// TestHostileValuesReachDynamoDBHarmlessly: values shaped like DynamoDB's
// expression syntax, key syntax or placeholders, and long ones, go to
// DynamoDB Local only as placeholder values: each listing answers normally
// with nothing matched, each odd id is a 404, and the table is unchanged.
// The other hostile requests (bodies, headers, traversal) never reach the
// store: local/apitest's TestHostileRequests.
func TestHostileValuesReachDynamoDBHarmlessly(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Target","uuid":"target-uuid"}`).expect(t, 201, &p)
	before := len(scanTable(t, a))
	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"long query", "GET", "/profiles?filter[name]=" + strings.Repeat("x", 60000), 200},
		{"long uuid filter", "GET", "/profiles?filter[uuid]=" + strings.Repeat("u", 5000), 200},
		{"NUL in filter", "GET", "/profiles?filter[lastName]=%00", 200},
		{"expression-like filter", "GET", "/profiles?filter[name]=" + url.QueryEscape("a OR attribute_exists(PK)"), 200},
		{"placeholder-like filter", "GET", "/profiles?filter[lastName]=" + url.QueryEscape(":v) OR (#n = :v"), 200},
		{"expression-like uuid", "GET", "/profiles?filter[uuid]=" + url.QueryEscape("target-uuid' OR '1'='1"), 200},
		{"id with key syntax", "GET", "/profiles/PROFILE%23" + p.ProfileID, 404},
		{"contact id with key syntax", "DELETE", "/profiles/" + p.ProfileID + "/contacts/CONTACT%23x", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.as(t, a.token).do(tc.method, tc.path, nil)
			if tc.status == 404 {
				r.expectProblem(t, 404, "")
				return
			}
			var list []Profile
			r.expect(t, 200, &list)
			if len(list) != 0 {
				t.Errorf("an odd filter value matched %d profiles", len(list))
			}
		})
	}
	if after := len(scanTable(t, a)); after != before {
		t.Errorf("hostile requests changed the table: %d items, were %d", after, before)
	}
}
