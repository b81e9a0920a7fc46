// Package views holds the public JSON representations of a profile: the
// Profile object of GET /profiles/{profileId}, its contacts and country,
// and the user's and the partner's views of a profile linked to a user.
// The API encodes them and the profile change events carry them, so both
// show a profile byte for byte alike.
package views

import (
	"github.com/profiles-service/profiles/shared/country"
	"github.com/profiles-service/profiles/shared/profile"
)

// countryDataTime is when the country data set was loaded, as in the reference.
const countryDataTime = "2021-01-01T00:00:00+00:00"

// Profile is the Profile object of the reference, field for field.
type Profile struct {
	ProfileID          string    `json:"profileId"`
	Contacts           []Contact `json:"contacts"`
	CountryNumericCode *string   `json:"countryNumericCode"`
	Country            *Country  `json:"country"`
	Enabled            bool      `json:"enabled"`
	FirstName          *string   `json:"firstName"`
	MiddleName         *string   `json:"middleName"`
	LastName           *string   `json:"lastName"`
	Name               *string   `json:"name"`
	Tags               []string  `json:"tags"`
	CreateTime         string    `json:"createTime"`
	UpdateTime         string    `json:"updateTime"`
	UUID               *string   `json:"uuid"`
}

// Contact is the Contact object of the reference plus verified.
type Contact struct {
	ContactID  string  `json:"contactId"`
	Key        string  `json:"key"`
	Value      string  `json:"value"`
	CreateTime string  `json:"createTime"`
	UpdateTime string  `json:"updateTime"`
	UUID       *string `json:"uuid"`
	Verified   bool    `json:"verified"`
}

// Country is the Country object of the reference.
type Country struct {
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

// User is the user-profile object of the user-profile reference: what GET
// /api/me/profile returns.
type User struct {
	UserID           string  `json:"userId"`
	GivenName        *string `json:"givenName"`
	FamilyName       *string `json:"familyName"`
	FeatureUpdates   bool    `json:"featureUpdates"`
	MarketingUpdates bool    `json:"marketingUpdates"`
	Email            *string `json:"email"`
	EmailVerified    bool    `json:"emailVerified"`
	PhoneNumber      *string `json:"phoneNumber"`
	PhoneVerified    bool    `json:"phoneVerified"`
}

// Partner is what GET /api/users/{userId}/profile returns: the
// reference's five fields, Email null until the address is verified.
type Partner struct {
	GivenName        *string `json:"givenName"`
	FamilyName       *string `json:"familyName"`
	FeatureUpdates   bool    `json:"featureUpdates"`
	MarketingUpdates bool    `json:"marketingUpdates"`
	Email            *string `json:"email"`
}

// ProfileOf is p's Profile object.
func ProfileOf(p *profile.Profile) Profile {
	v := Profile{
		ProfileID: p.ID, Contacts: make([]Contact, len(p.Contacts)),
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
		v.Contacts[i] = ContactOf(&p.Contacts[i])
	}
	if c, ok := country.Lookup(p.CountryCode); ok {
		v.Country = &Country{
			CountryID: c.ID, CountryName: c.Name, Alpha2Code: c.Alpha2, Alpha3Code: c.Alpha3, NumericCode: c.Numeric,
			GeographicRegionNumericCode: c.RegionCode, GeographicRegionName: c.RegionName,
			CreateTime: countryDataTime, UpdateTime: countryDataTime,
		}
	}
	return v
}

// ContactOf is c's Contact object.
func ContactOf(c *profile.Contact) Contact {
	return Contact{
		ContactID: c.ID, Key: c.Key, Value: c.Value,
		CreateTime: profile.FormatTime(c.CreateTime), UpdateTime: profile.FormatTime(c.UpdateTime),
		UUID: nullable(c.UUID), Verified: c.Verified,
	}
}

// UserOf is the user's view of p, a profile linked to a user.
func UserOf(p *profile.Profile) User {
	u := p.User()
	return User{UserID: u.UserID, GivenName: nullable(u.GivenName), FamilyName: nullable(u.FamilyName),
		FeatureUpdates: u.FeatureUpdates, MarketingUpdates: u.MarketingUpdates,
		Email: nullable(u.Email), EmailVerified: u.EmailVerified, PhoneNumber: nullable(u.PhoneNumber), PhoneVerified: u.PhoneVerified}
}

// PartnerOf is a partner's view of p, a profile linked to a user. Its
// email is the user's address only once that address is verified (the
// contact's verified flag, which an admin sets): any user can type any
// address, and a partner that links or mails by it would reach whoever
// owns it. Until then it is null.
func PartnerOf(p *profile.Profile) Partner {
	u := p.User()
	v := Partner{GivenName: nullable(u.GivenName), FamilyName: nullable(u.FamilyName),
		FeatureUpdates: u.FeatureUpdates, MarketingUpdates: u.MarketingUpdates}
	if u.EmailVerified {
		v.Email = nullable(u.Email)
	}
	return v
}

// nullable is s, or nil (JSON null) when it is empty.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Receipt is the answer of an erasure request (POST /profiles/erasures).
type Receipt struct {
	ErasedProfileIDs []string      `json:"erasedProfileIds"`
	ErasedAt         string        `json:"erasedAt"`
	Unreachable      []Unreachable `json:"unreachable"`
}

// Unreachable is a copy outside the table that an erasure cannot reach.
type Unreachable struct {
	Copy      string  `json:"copy"`
	Detail    string  `json:"detail"`
	AgesOutBy *string `json:"agesOutBy"` // null: not the service's to say
}

// ReceiptOf is the JSON of an erasure's receipt.
func ReceiptOf(r profile.Receipt) Receipt {
	out := Receipt{ErasedProfileIDs: r.ErasedProfileIDs, ErasedAt: profile.FormatTime(r.ErasedAt), Unreachable: []Unreachable{}}
	if out.ErasedProfileIDs == nil {
		out.ErasedProfileIDs = []string{}
	}
	for _, u := range r.Unreachable {
		v := Unreachable{Copy: u.Copy, Detail: u.Detail}
		if !u.AgesOutBy.IsZero() {
			v.AgesOutBy = nullable(profile.FormatTime(u.AgesOutBy))
		}
		out.Unreachable = append(out.Unreachable, v)
	}
	return out
}
