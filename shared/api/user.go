package api

import (
	"net/http"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// userBody is the body of POST /api/me/profile/update.
type userBody struct {
	GivenName        profile.Field[string] `json:"givenName"`
	FamilyName       profile.Field[string] `json:"familyName"`
	FeatureUpdates   profile.Field[bool]   `json:"featureUpdates"`
	MarketingUpdates profile.Field[bool]   `json:"marketingUpdates"`
	Email            profile.Field[string] `json:"email"`
}

func (b *userBody) changes() profile.UserChanges {
	return profile.UserChanges{GivenName: b.GivenName, FamilyName: b.FamilyName,
		FeatureUpdates: b.FeatureUpdates, MarketingUpdates: b.MarketingUpdates, Email: b.Email}
}

// userID is the signed-in user: the sub claim API Gateway's JWT authorizer
// passed in the request context.
func userID(r *http.Request) (string, error) {
	if sub := subject(r); sub != "" {
		return sub, nil
	}
	return "", errUnauthenticated
}

func updateMyProfile(d Deps, once *idempotency.Record) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sub, err := userID(r)
		if err != nil {
			return err
		}
		var body userBody
		if err := decode(r, &body); err != nil {
			return err
		}
		p, err := d.service.UpdateUser(r.Context(), sub, body.changes(), once)
		if err != nil {
			return err
		}
		writeUser(w, http.StatusOK, p)
		return nil
	}
}

// writeUser answers with the user's view of the profile.
func writeUser(w http.ResponseWriter, status int, p *profile.Profile) {
	setETag(w, p.Version)
	encode(w, status, views.UserOf(p))
}

func getMyProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		sub, err := userID(r)
		if err != nil {
			return err
		}
		p, err := d.service.UserProfile(r.Context(), sub)
		if err != nil {
			return err
		}
		writeUser(w, http.StatusOK, p)
		return nil
	})
}

func getUserProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := d.service.UserProfile(r.Context(), r.PathValue("userId"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, views.PartnerOf(p))
		return nil
	})
}
