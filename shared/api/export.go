package api

import (
	"net/http"

	"github.com/profiles-service/profiles/shared/views"
)

// exportProfile answers an access request for a profile (admin, read
// scope): everything held about it, as the export document.
func exportProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		e, err := d.service.Export(r.Context(), r.PathValue("profileId"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, views.ExportOf(e))
		return nil
	})
}

// exportMyProfile answers the signed-in user's access request for their
// own profile.
func exportMyProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		sub, err := userID(r)
		if err != nil {
			return err
		}
		e, err := d.service.ExportUser(r.Context(), sub)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, views.ExportOf(e))
		return nil
	})
}
