package integration

import (
	"net/http"
	"testing"

	"github.com/profiles-service/profiles/local/apitest"
)

// TestDeleteLeavesNoItems: a profile's delete takes every item of it from
// the table: the profile, its contacts and its markers. What the API
// answers along the way is local/apitest's TestReferenceProfileLifecycle.
func TestDeleteLeavesNoItems(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var created Profile
	a.do("POST", "/profiles", apitest.ReferenceCreate).expect(t, http.StatusCreated, &created)
	a.do("PATCH", "/profiles/"+created.ProfileID, `{"uuid":"crm-1"}`).expect(t, http.StatusOK, nil)
	if items := scanAll(t, a); len(items) < 4 {
		t.Fatalf("%d items for a profile with two contacts and a uuid: %v", len(items), items)
	}
	a.do("DELETE", "/profiles/"+created.ProfileID, nil).expect(t, http.StatusNoContent, nil)
	if items := scanAll(t, a); len(items) != 0 {
		t.Errorf("table still holds %d items after delete: %v", len(items), items)
	}
}
