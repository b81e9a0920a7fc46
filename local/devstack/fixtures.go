package devstack

import (
	"context"
	"errors"
	"time"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

// The ids the events/ fixtures use: the reference's example profile.
const (
	FixtureProfileID = "6006dda272f002519c3eb505"
	FixtureContactID = "6006dda272f002519c3eb506"
	// FixtureUserID is the user linked to the fixture profile (the reference's userId).
	FixtureUserID = "9f4b3bae-dc30-11ea-ab70-2743d9be3dd5"
	// FixtureAPIKey is the partner key of the events/ fixtures: a well-known
	// key that exists only in local tables.
	FixtureAPIKey = "pk_localFixtureKeyNotASecretKnownToEveryone000"
)

// ResetFixtures writes the reference's example profile (Mary Jane Smith,
// linked to FixtureUserID) with the fixture ids afresh, and the fixture API
// key, so every events/ fixture gives its documented status whatever ran
// before.
func (s *Stack) ResetFixtures(ctx context.Context) error {
	if _, err := s.Store.APIKey(ctx, auth.HashAPIKey(FixtureAPIKey)); errors.Is(err, auth.ErrUnknownKey) {
		err = s.Store.PutAPIKey(ctx, auth.APIKey{Hash: auth.HashAPIKey(FixtureAPIKey), Name: "fixture-partner", CreateTime: profile.Now()})
		if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	store := s.Store
	if id, err := store.ProfileIDByUser(ctx, FixtureUserID); err == nil && id != FixtureProfileID {
		if err := store.Delete(ctx, id, profile.Precondition{}); err != nil && !errors.Is(err, profile.ErrNotFound) {
			return err
		}
	}
	if err := store.Delete(ctx, FixtureProfileID, profile.Precondition{}); err != nil && !errors.Is(err, profile.ErrNotFound) {
		return err
	}
	t := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	return store.Create(ctx, &profile.Profile{
		ID: FixtureProfileID, UserID: FixtureUserID, FirstName: "Mary", MiddleName: "Jane", LastName: "Smith",
		CountryCode: "840", Enabled: true, Tags: []string{"blue", "green"},
		CreateTime: t, UpdateTime: t, Version: 1,
		Contacts: []profile.Contact{
			{ID: FixtureContactID, Key: profile.KeyEmail, Value: "marysmith@email.com", CreateTime: t, UpdateTime: t, Version: 1},
			{ID: "6006dda272f002519c3eb507", Key: profile.KeyPhone, Value: "+64271112222", CreateTime: t, UpdateTime: t, Version: 1},
		},
	}, nil)
}
