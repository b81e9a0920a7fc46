package integration

import (
	"net/http"
	"net/url"
	"testing"
)

// TestOneAddressWhateverItsSpelling, on DynamoDB Local: the spellings of
// one address (precomposed and decomposed, a Unicode domain and its
// A-label) are one contact: the second is a 409 and never lands, and a
// look-up by either finds the profile through the byContact index.
func TestOneAddressWhateverItsSpelling(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for _, tt := range []struct{ name, first, second, stored string }{
		{"precomposed then decomposed", "jos\u00e9@example.com", "jose\u0301@example.com", "jos\u00e9@example.com"},
		{"decomposed then precomposed", "jose\u0301@example.org", "jos\u00e9@example.org", "jos\u00e9@example.org"},
		{"Unicode domain then A-label", "bob@EX\u00c4MPLE.com", "bob@xn--exmple-cua.com", "bob@ex\u00e4mple.com"},
		{"A-label then Unicode domain", "ann@xn--exmple-cua.com", "ann@ex\u00e4mple.com", "ann@ex\u00e4mple.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p Profile
			a.do("POST", "/profiles", `{"firstName":"Jose\u0301","contacts":[{"key":"email","value":"`+tt.first+`"}]}`).expect(t, http.StatusCreated, &p)
			if got := p.Contacts[0].Value; got != tt.stored {
				t.Errorf("stored %+q, want %+q", got, tt.stored)
			}
			a.do("POST", "/profiles/"+p.ProfileID+"/contacts", map[string]any{"key": "email", "value": tt.second}).expectProblem(t, http.StatusConflict, "")
			a.do("POST", "/profiles", map[string]any{"contacts": []map[string]string{{"key": "email", "value": tt.first}, {"key": "email", "value": tt.second}}}).
				expectProblem(t, http.StatusBadRequest, "contacts[1].value")
			var contacts []Contact
			a.do("GET", "/profiles/"+p.ProfileID+"/contacts", nil).expect(t, http.StatusOK, &contacts)
			if len(contacts) != 1 {
				t.Errorf("the refused spelling landed: %+v", contacts)
			}
			for _, spelling := range []string{tt.first, tt.second} {
				var found []Profile
				a.do("GET", "/profiles?filter[email]="+url.QueryEscape(spelling), nil).expect(t, http.StatusOK, &found)
				if len(found) != 1 || found[0].ProfileID != p.ProfileID {
					t.Errorf("filter[email]=%+q finds %d profiles", spelling, len(found))
				}
			}
			a.do("DELETE", "/profiles/"+p.ProfileID, nil).expect(t, http.StatusNoContent, nil)
		})
	}
	// A name filter in either spelling finds the name kept in NFC, through
	// the byFirstName index.
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Jos\u00e9","lastName":"Mu\u0308ller"}`).expect(t, http.StatusCreated, &p)
	if p.FirstName == nil || *p.FirstName != "Jos\u00e9" || p.LastName == nil || *p.LastName != "M\u00fcller" {
		t.Errorf("names kept as %+q %+q, want NFC", *p.FirstName, *p.LastName)
	}
	for _, q := range []string{"filter[firstName]=Jose%CC%81", "filter[firstName]=JOS%C3%89", "filter[lastName]=M%C3%BCller&sort_by=firstName",
		"filter[name]=Jos%C3%A9%20Mu%CC%88ller"} {
		var found []Profile
		a.do("GET", "/profiles?"+q, nil).expect(t, http.StatusOK, &found)
		if len(found) != 1 {
			t.Errorf("%s finds %d profiles", q, len(found))
		}
	}
}
