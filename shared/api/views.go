package api

import (
	"encoding/json"

	"github.com/profiles-service/profiles/shared/country"
	"github.com/profiles-service/profiles/shared/profile"
)

// countryDataTime is when the country data set was loaded, as in the reference.
const countryDataTime = "2021-01-01T00:00:00+00:00"

// profileJSON is the Profile object of the reference, field for field.
type profileJSON struct {
	ProfileID          string        `json:"profileId"`
	Contacts           []contactJSON `json:"contacts"`
	CountryNumericCode *string       `json:"countryNumericCode"`
	Country            *countryJSON  `json:"country"`
	Enabled            bool          `json:"enabled"`
	FirstName          *string       `json:"firstName"`
	MiddleName         *string       `json:"middleName"`
	LastName           *string       `json:"lastName"`
	Name               *string       `json:"name"`
	Tags               []string      `json:"tags"`
	CreateTime         string        `json:"createTime"`
	UpdateTime         string        `json:"updateTime"`
	UUID               *string       `json:"uuid"`
}

// contactJSON is the Contact object of the reference plus verified.
type contactJSON struct {
	ContactID  string  `json:"contactId"`
	Key        string  `json:"key"`
	Value      string  `json:"value"`
	CreateTime string  `json:"createTime"`
	UpdateTime string  `json:"updateTime"`
	UUID       *string `json:"uuid"`
	Verified   bool    `json:"verified"`
}

// countryJSON is the Country object of the reference.
type countryJSON struct {
	CountryID                   string `json:"countryId"`
	CountryName                 string `json:"countryName"`
	Alpha2Code                  string `json:"alpha2Code"`
	Alpha3Code                  string `json:"alpha3Code"`
	NumericCode                 string `json:"numericCode"`
	GeographicRegionNumericCode string `json:"geographicRegionNumericCode"`
	GeographicRegionName        string `json:"geographicRegionName"`
	CreateTime                  string `json:"createTime"`
	UpdateTime                  string `json:"updateTime"`
}

// nullable is s, or nil (JSON null) when it is empty.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ProfileJSON is p's public Profile object, byte for byte as GET
// /profiles/{profileId} returns it: the profile change events carry it.
func ProfileJSON(p *profile.Profile) (json.RawMessage, error) {
	return json.Marshal(profileView(p))
}

func profileView(p *profile.Profile) profileJSON {
	v := profileJSON{
		ProfileID: p.ID, Contacts: make([]contactJSON, len(p.Contacts)),
		CountryNumericCode: nullable(p.CountryCode), Enabled: p.Enabled,
		FirstName: nullable(p.FirstName), MiddleName: nullable(p.MiddleName), LastName: nullable(p.LastName),
		Name: nullable(p.Name()), Tags: p.Tags,
		CreateTime: profile.FormatTime(p.CreateTime), UpdateTime: profile.FormatTime(p.UpdateTime),
		UUID: nullable(p.UUID),
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	for i := range p.Contacts {
		v.Contacts[i] = contactView(&p.Contacts[i])
	}
	if c, ok := country.Lookup(p.CountryCode); ok {
		v.Country = &countryJSON{
			CountryID: c.ID, CountryName: c.Name, Alpha2Code: c.Alpha2, Alpha3Code: c.Alpha3, NumericCode: c.Numeric,
			GeographicRegionNumericCode: c.RegionCode, GeographicRegionName: c.RegionName,
			CreateTime: countryDataTime, UpdateTime: countryDataTime,
		}
	}
	return v
}

func contactView(c *profile.Contact) contactJSON {
	return contactJSON{
		ContactID: c.ID, Key: c.Key, Value: c.Value,
		CreateTime: profile.FormatTime(c.CreateTime), UpdateTime: profile.FormatTime(c.UpdateTime),
		UUID: nullable(c.UUID), Verified: c.Verified,
	}
}

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

func (b *profileBody) changes() profile.ProfileChanges {
	return profile.ProfileChanges{
		FirstName: b.FirstName, MiddleName: b.MiddleName, LastName: b.LastName,
		CountryCode: b.CountryCode, Enabled: b.Enabled, Tags: b.Tags, UUID: b.UUID,
	}
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
