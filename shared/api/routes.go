// Package api is the only place that knows about HTTP: routes, handlers,
// request decoding, response encoding and the mapping of errors to statuses.
package api

import (
	"net/http"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// Endpoint is one path of the API with its methods, served by one Lambda
// function: that function's logical id in template.yaml and the routes it
// serves. Each HTTP function's functions/<name>/main.go starts one of the
// values below, so the compiler checks the wiring.
type Endpoint struct {
	Name string
	// Cursors says whether the endpoint signs and reads list cursors with
	// the stack's secret (CursorSecret).
	Cursors bool
	// Keyed says whether a route of the endpoint honours Idempotency-Key,
	// whose records hold a hash keyed with a key derived from that secret.
	Keyed  bool
	routes []route
}

// NeedsSecret reports whether the endpoint's function reads the stack's
// secret at start: template.yaml gives exactly those functions
// CURSOR_SECRET_ARN and secretsmanager:GetSecretValue on it.
func (e Endpoint) NeedsSecret() bool { return e.Cursors || e.Keyed }

// route binds a Go 1.22 ServeMux pattern to the handler that serves it.
type route struct {
	pattern string // e.g. "GET /profiles/{profileId}"
	handler func(Deps) http.Handler
}

// The endpoints of the API and their routes: the one routes table that the
// Lambdas, the local gateway and the template test all read.
var (
	ListProfiles  = Endpoint{Name: "ListProfiles", Cursors: true, routes: []route{{"GET /profiles", listProfiles}}}
	GetProfile    = Endpoint{Name: "GetProfile", routes: []route{{"GET /profiles/{profileId}", getProfile}}}
	CreateProfile = Endpoint{Name: "CreateProfile", Keyed: true, routes: []route{{"POST /profiles", idempotent(idempotency.KindProfile, http.StatusCreated, createProfile)}}}
	UpdateProfile = Endpoint{Name: "UpdateProfile", routes: []route{
		{"PUT /profiles/{profileId}", updateProfile},
		{"PATCH /profiles/{profileId}", updateProfile},
		{"PUT /profile/{profileId}", updateProfile}, // the reference's spelling of PUT
	}}
	DeleteProfile = Endpoint{Name: "DeleteProfile", routes: []route{{"DELETE /profiles/{profileId}", deleteProfile}}}
	ListContacts  = Endpoint{Name: "ListContacts", Cursors: true, routes: []route{{"GET /profiles/{profileId}/contacts", listContacts}}}
	GetContact    = Endpoint{Name: "GetContact", routes: []route{{"GET /profiles/{profileId}/contacts/{contactId}", getContact}}}
	CreateContact = Endpoint{Name: "CreateContact", Keyed: true, routes: []route{{"POST /profiles/{profileId}/contacts", idempotent(idempotency.KindContact, http.StatusCreated, createContact)}}}
	UpdateContact = Endpoint{Name: "UpdateContact", routes: []route{
		{"PUT /profiles/{profileId}/contacts/{contactId}", updateContact},
		{"PATCH /profiles/{profileId}/contacts/{contactId}", updateContact},
	}}
	DeleteContact   = Endpoint{Name: "DeleteContact", routes: []route{{"DELETE /profiles/{profileId}/contacts/{contactId}", deleteContact}}}
	UpdateMyProfile = Endpoint{Name: "UpdateMyProfile", Keyed: true, routes: []route{{"POST /api/me/profile/update", idempotent(idempotency.KindUser, http.StatusOK, updateMyProfile)}}}
	GetMyProfile    = Endpoint{Name: "GetMyProfile", routes: []route{{"GET /api/me/profile", getMyProfile}}}
	GetUserProfile  = Endpoint{Name: "GetUserProfile", routes: []route{{"GET /api/users/{userId}/profile", getUserProfile}}}
	// The access requests of a data subject (docs/privacy.md).
	ExportProfile   = Endpoint{Name: "ExportProfile", routes: []route{{"GET /profiles/{profileId}/export", exportProfile}}}
	ExportMyProfile = Endpoint{Name: "ExportMyProfile", routes: []route{{"GET /api/me/profile/export", exportMyProfile}}}
	BatchProfiles   = Endpoint{Name: "BatchProfiles", Keyed: true, routes: []route{{"POST /profiles/batch", batchProfiles}}}
	EraseProfiles   = Endpoint{Name: "EraseProfiles", Keyed: true, routes: []route{{"POST /profiles/erasures", idempotentAcross(idempotency.KindErasure, http.StatusOK, eraseProfiles)}}}
	DeleteMyProfile = Endpoint{Name: "DeleteMyProfile", routes: []route{{"DELETE /api/me/profile", deleteMyProfile}}}
)

// Endpoints lists every endpoint of the API.
func Endpoints() []Endpoint {
	return []Endpoint{
		ListProfiles, GetProfile, CreateProfile, UpdateProfile, DeleteProfile,
		ListContacts, GetContact, CreateContact, UpdateContact, DeleteContact,
		UpdateMyProfile, GetMyProfile, GetUserProfile,
		ExportProfile, ExportMyProfile,
		BatchProfiles,
		EraseProfiles, DeleteMyProfile,
	}
}

// Patterns are the endpoint's routes as ServeMux patterns.
func (e Endpoint) Patterns() []string {
	out := make([]string, len(e.routes))
	for i, r := range e.routes {
		out[i] = r.pattern
	}
	return out
}
