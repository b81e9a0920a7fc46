package api

import (
	"net/http"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// erasureBody is the body of POST /profiles/erasures: exactly one field.
type erasureBody struct {
	Email     profile.Field[string] `json:"email"`
	Phone     profile.Field[string] `json:"phone"`
	UUID      profile.Field[string] `json:"uuid"`
	UserID    profile.Field[string] `json:"userId"`
	ProfileID profile.Field[string] `json:"profileId"`
}

func (b *erasureBody) subject() profile.Subject {
	return profile.Subject{Email: b.Email, Phone: b.Phone, UUID: b.UUID, UserID: b.UserID, ProfileID: b.ProfileID}
}

func eraseProfiles(d Deps, once *idempotency.Record) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body erasureBody
		if err := decode(r, &body); err != nil {
			return err
		}
		rc, err := d.service.Erase(r.Context(), body.subject(), once)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, views.ReceiptOf(rc))
		return nil
	}
}

func deleteMyProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		sub, err := userID(r)
		if err != nil {
			return err
		}
		if err := d.service.EraseUser(r.Context(), sub); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
