package api

import (
	"context"
	"errors"
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
		changes := body.changes()
		if err := changes.RequireAny(); err != nil {
			return err
		}
		p, err := upsertUser(r, d, sub, changes, once)
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

// upsertUser updates the user's profile, or creates it on their first
// update. A create that races another for the same user becomes an update.
func upsertUser(r *http.Request, d Deps, sub string, changes profile.UserChanges, once *idempotency.Record) (*profile.Profile, error) {
	ctx, store := r.Context(), d.Store
	keep := func(p *profile.Profile) {
		if once != nil {
			once.ProfileID = p.ID
		}
	}
	apply := func(p *profile.Profile) error {
		if p.UserID != sub {
			return profile.ErrNotFound
		}
		keep(p)
		return p.ApplyUser(changes, d.now())
	}
	for attempt := 0; ; attempt++ {
		p, err := userProfile(ctx, store, sub, func(id string) (*profile.Profile, error) {
			// The email replaces the first email contact, or adds one
			// when there is none: two such adds would commute.
			pre := profile.Precondition{}
			if changes.Email.Set {
				pre = profile.OnVersionRead()
			}
			return store.Update(ctx, id, pre, apply, once)
		})
		if !errors.Is(err, profile.ErrNotFound) {
			return p, err
		}
		if p, err = profile.NewForUser(sub, changes, d.now()); err != nil {
			return nil, err
		}
		keep(p)
		err = store.Create(ctx, p, once)
		var conflict *profile.ConflictError
		if errors.As(err, &conflict) && attempt < 2 {
			continue
		}
		return p, err
	}
}

// userProfile runs do on the user's profile: by its id derived from the
// user id (profile.UserProfileID), or, for a profile linked before ids were
// derived, by the id its user marker names. do answers ErrNotFound for a
// profile that is not the user's.
func userProfile(ctx context.Context, store profile.Store, user string, do func(id string) (*profile.Profile, error)) (*profile.Profile, error) {
	p, err := do(profile.UserProfileID(user))
	if !errors.Is(err, profile.ErrNotFound) {
		return p, err
	}
	id, err := store.ProfileIDByUser(ctx, user)
	if err != nil {
		return nil, err
	}
	return do(id)
}

func getMyProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		sub, err := userID(r)
		if err != nil {
			return err
		}
		p, err := profileOfUser(r, d.Store, sub)
		if err != nil {
			return err
		}
		writeUser(w, http.StatusOK, p)
		return nil
	})
}

func getUserProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := profileOfUser(r, d.Store, r.PathValue("userId"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, views.PartnerOf(p))
		return nil
	})
}

// profileOfUser reads a user's profile.
func profileOfUser(r *http.Request, store profile.Store, user string) (*profile.Profile, error) {
	return userProfile(r.Context(), store, user, func(id string) (*profile.Profile, error) {
		p, err := store.Get(r.Context(), id)
		if err == nil && p.UserID != user {
			return nil, profile.ErrNotFound
		}
		return p, err
	})
}
