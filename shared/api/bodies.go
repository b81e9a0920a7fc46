package api

import (
	"encoding/json"

	"github.com/profiles-service/profiles/shared/profile"
)

// readOnlyProfileFields are fields of the Profile object a client may send
// back as it read them; a write ignores them.
type readOnlyProfileFields struct {
	ProfileID  json.RawMessage `json:"profileId"`
	Name       json.RawMessage `json:"name"`
	Country    json.RawMessage `json:"country"`
	CreateTime json.RawMessage `json:"createTime"`
	UpdateTime json.RawMessage `json:"updateTime"`
}

// profileBody is the body of POST /profiles and of PUT/PATCH /profiles/{id}.
type profileBody struct {
	readOnlyProfileFields
	FirstName   profile.Field[string]   `json:"firstName"`
	MiddleName  profile.Field[string]   `json:"middleName"`
	LastName    profile.Field[string]   `json:"lastName"`
	CountryCode profile.Field[string]   `json:"countryNumericCode"`
	Enabled     profile.Field[bool]     `json:"enabled"`
	Tags        profile.Field[[]string] `json:"tags"`
	UUID        profile.Field[string]   `json:"uuid"`
	// Contacts are written on create and read-only on update.
	Contacts profile.Field[[]contactBody] `json:"contacts"`
}

func (b *profileBody) changes() profile.Changes {
	return profile.Changes{
		FirstName: b.FirstName, MiddleName: b.MiddleName, LastName: b.LastName,
		CountryCode: b.CountryCode, Enabled: b.Enabled, Tags: b.Tags, UUID: b.UUID,
	}
}

// input is the create request the body of POST /profiles makes.
func (b *profileBody) input() profile.Input {
	in := profile.Input{Changes: b.changes()}
	for i := range b.Contacts.Value {
		in.Contacts = append(in.Contacts, b.Contacts.Value[i].changes())
	}
	return in
}

// contactBody is a contact in a write.
type contactBody struct {
	ContactID  json.RawMessage       `json:"contactId"`
	CreateTime json.RawMessage       `json:"createTime"`
	UpdateTime json.RawMessage       `json:"updateTime"`
	Key        profile.Field[string] `json:"key"`
	Value      profile.Field[string] `json:"value"`
	UUID       profile.Field[string] `json:"uuid"`
	Verified   profile.Field[bool]   `json:"verified"`
}

func (b *contactBody) changes() profile.ContactChanges {
	return profile.ContactChanges{Key: b.Key, Value: b.Value, UUID: b.UUID, Verified: b.Verified}
}
