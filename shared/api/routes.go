// Package api is the only place that knows about HTTP: routes, handlers,
// request decoding, response encoding and the mapping of errors to statuses.
package api

import (
	"net/http"
)

// Route binds a ServeMux pattern to the function (Lambda) that serves it.
type Route struct {
	Function string
	Pattern  string // Go 1.22 ServeMux pattern, e.g. "GET /profiles/{profileId}"
	handler  func(Deps) http.Handler
}

// Routes is every route of the service, in one screen. The Lambdas, the
// local gateway and the template test all read it.
func Routes() []Route {
	return []Route{
		{"ListProfiles", "GET /profiles", listProfiles},
		{"GetProfile", "GET /profiles/{profileId}", getProfile},
		{"CreateProfile", "POST /profiles", idempotent(createProfile)},
		{"UpdateProfile", "PUT /profiles/{profileId}", updateProfile},
		{"UpdateProfile", "PATCH /profiles/{profileId}", updateProfile},
		{"UpdateProfile", "PUT /profile/{profileId}", updateProfile},
		{"DeleteProfile", "DELETE /profiles/{profileId}", deleteProfile},
		{"ListContacts", "GET /profiles/{profileId}/contacts", listContacts},
		{"GetContact", "GET /profiles/{profileId}/contacts/{contactId}", getContact},
		{"CreateContact", "POST /profiles/{profileId}/contacts", idempotent(createContact)},
		{"UpdateContact", "PUT /profiles/{profileId}/contacts/{contactId}", updateContact},
		{"UpdateContact", "PATCH /profiles/{profileId}/contacts/{contactId}", updateContact},
		{"DeleteContact", "DELETE /profiles/{profileId}/contacts/{contactId}", deleteContact},
		{"UpdateMyProfile", "POST /api/me/profile/update", idempotent(updateMyProfile)},
		{"GetMyProfile", "GET /api/me/profile", getMyProfile},
		{"GetUserProfile", "GET /api/users/{userId}/profile", getUserProfile},
	}
}

// Functions lists the function names of Routes, each once, in route order.
func Functions() []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range Routes() {
		if !seen[r.Function] {
			seen[r.Function] = true
			names = append(names, r.Function)
		}
	}
	return names
}
