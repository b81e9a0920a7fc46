// Package api is the only place that knows about HTTP: routes, handlers,
// request decoding, response encoding and the mapping of errors to statuses.
package api

import (
	"net/http"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// Function is one Lambda function's share of the API: its logical id in
// template.yaml and the routes it serves. Each functions/<name>/main.go
// starts one of the values below, so the compiler checks the wiring.
type Function struct {
	Name string
	// Cursors says whether the function signs and reads list cursors, the
	// only use of the cursor secret.
	Cursors bool
	routes  []route
}

// route binds a Go 1.22 ServeMux pattern to the handler that serves it.
type route struct {
	pattern string // e.g. "GET /profiles/{profileId}"
	handler func(Deps) http.Handler
}

// The functions of the API and their routes: the one routes table that the
// Lambdas, the local gateway and the template test all read.
var (
	ListProfiles  = Function{Name: "ListProfiles", Cursors: true, routes: []route{{"GET /profiles", listProfiles}}}
	GetProfile    = Function{Name: "GetProfile", routes: []route{{"GET /profiles/{profileId}", getProfile}}}
	CreateProfile = Function{Name: "CreateProfile", routes: []route{{"POST /profiles", idempotent(idempotency.KindProfile, http.StatusCreated, createProfile)}}}
	UpdateProfile = Function{Name: "UpdateProfile", routes: []route{
		{"PUT /profiles/{profileId}", updateProfile},
		{"PATCH /profiles/{profileId}", updateProfile},
		{"PUT /profile/{profileId}", updateProfile}, // the reference's spelling of PUT
	}}
	DeleteProfile = Function{Name: "DeleteProfile", routes: []route{{"DELETE /profiles/{profileId}", deleteProfile}}}
	ListContacts  = Function{Name: "ListContacts", Cursors: true, routes: []route{{"GET /profiles/{profileId}/contacts", listContacts}}}
	GetContact    = Function{Name: "GetContact", routes: []route{{"GET /profiles/{profileId}/contacts/{contactId}", getContact}}}
	CreateContact = Function{Name: "CreateContact", routes: []route{{"POST /profiles/{profileId}/contacts", idempotent(idempotency.KindContact, http.StatusCreated, createContact)}}}
	UpdateContact = Function{Name: "UpdateContact", routes: []route{
		{"PUT /profiles/{profileId}/contacts/{contactId}", updateContact},
		{"PATCH /profiles/{profileId}/contacts/{contactId}", updateContact},
	}}
	DeleteContact   = Function{Name: "DeleteContact", routes: []route{{"DELETE /profiles/{profileId}/contacts/{contactId}", deleteContact}}}
	UpdateMyProfile = Function{Name: "UpdateMyProfile", routes: []route{{"POST /api/me/profile/update", idempotent(idempotency.KindUser, http.StatusOK, updateMyProfile)}}}
	GetMyProfile    = Function{Name: "GetMyProfile", routes: []route{{"GET /api/me/profile", getMyProfile}}}
	GetUserProfile  = Function{Name: "GetUserProfile", routes: []route{{"GET /api/users/{userId}/profile", getUserProfile}}}
)

// Functions lists every function of the API.
func Functions() []Function {
	return []Function{
		ListProfiles, GetProfile, CreateProfile, UpdateProfile, DeleteProfile,
		ListContacts, GetContact, CreateContact, UpdateContact, DeleteContact,
		UpdateMyProfile, GetMyProfile, GetUserProfile,
	}
}

// Patterns are the function's routes as ServeMux patterns.
func (f Function) Patterns() []string {
	out := make([]string, len(f.routes))
	for i, r := range f.routes {
		out[i] = r.pattern
	}
	return out
}
