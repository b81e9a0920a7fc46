package localstack

import (
	"context"
	"errors"
	"time"

	"github.com/profiles-service/profiles/shared/profile"
)

// The ids the events/ fixtures use: the reference's example profile.
const (
	FixtureProfileID = "6006dda272f002519c3eb505"
	FixtureContactID = "6006dda272f002519c3eb506"
)

// ResetFixtures writes the reference's example profile (Mary Jane Smith)
// with the fixture ids afresh, so every events/ fixture gives its
// documented status whatever ran before.
func (s *Stack) ResetFixtures(ctx context.Context) error {
	store := s.Deps.Store
	if err := store.Delete(ctx, FixtureProfileID, nil); err != nil && !errors.Is(err, profile.ErrNotFound) {
		return err
	}
	t := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	return store.Create(ctx, &profile.Profile{
		ID: FixtureProfileID, FirstName: "Mary", MiddleName: "Jane", LastName: "Smith",
		CountryCode: "840", Enabled: true, Tags: []string{"blue", "green"},
		CreateTime: t, UpdateTime: t, Version: 1,
		Contacts: []profile.Contact{
			{ID: FixtureContactID, Key: profile.KeyEmail, Value: "marysmith@email.com", CreateTime: t, UpdateTime: t, Version: 1},
			{ID: "6006dda272f002519c3eb507", Key: profile.KeyPhone, Value: "+64271112222", CreateTime: t, UpdateTime: t, Version: 1},
		},
	})
}
