package views

import "github.com/profiles-service/profiles/shared/profile"

// Export is the document of an access request, schema
// profile.ExportSchema: everything the service holds about one person's
// profile (docs/api.md, "The export document").
type Export struct {
	// Schema names the document's shape: "profiles-export/1".
	Schema string `json:"schema"`
	// ExportTime is when the document was read.
	ExportTime string `json:"exportTime"`
	// Profile is the profile with every field the table holds.
	Profile ExportProfile `json:"profile"`
	// User is the user's view of a profile linked to a user, null otherwise.
	User *User `json:"user"`
}

// ExportProfile is the Profile object with what only the store keeps: the
// user link, the preferences, the version and when it last changed.
type ExportProfile struct {
	ProfileID          string          `json:"profileId"`
	UUID               *string         `json:"uuid"`
	UserID             *string         `json:"userId"`
	Enabled            bool            `json:"enabled"`
	FirstName          *string         `json:"firstName"`
	MiddleName         *string         `json:"middleName"`
	LastName           *string         `json:"lastName"`
	Name               *string         `json:"name"`
	CountryNumericCode *string         `json:"countryNumericCode"`
	Country            *Country        `json:"country"`
	Tags               []string        `json:"tags"`
	FeatureUpdates     bool            `json:"featureUpdates"`
	MarketingUpdates   bool            `json:"marketingUpdates"`
	Contacts           []ExportContact `json:"contacts"`
	CreateTime         string          `json:"createTime"`
	UpdateTime         string          `json:"updateTime"`
	// TouchTime is when the profile or any of its contacts last changed,
	// a contact's removal included.
	TouchTime string `json:"touchTime"`
	Version   int64  `json:"version"`
}

// ExportContact is the Contact object with its version.
type ExportContact struct {
	Contact
	Version int64 `json:"version"`
}

// ExportOf is the export document of e.
func ExportOf(e *profile.Export) Export {
	p := e.Profile
	v := ProfileOf(p)
	out := Export{
		Schema: profile.ExportSchema, ExportTime: profile.FormatTime(e.Time),
		Profile: ExportProfile{
			ProfileID: v.ProfileID, UUID: v.UUID, UserID: nullable(p.UserID), Enabled: v.Enabled,
			FirstName: v.FirstName, MiddleName: v.MiddleName, LastName: v.LastName, Name: v.Name,
			CountryNumericCode: v.CountryNumericCode, Country: v.Country, Tags: v.Tags,
			FeatureUpdates: p.FeatureUpdates, MarketingUpdates: p.MarketingUpdates,
			Contacts:   make([]ExportContact, len(p.Contacts)),
			CreateTime: v.CreateTime, UpdateTime: v.UpdateTime, TouchTime: profile.FormatTime(e.TouchTime),
			Version: p.Version,
		},
	}
	for i := range p.Contacts {
		out.Profile.Contacts[i] = ExportContact{Contact: v.Contacts[i], Version: p.Contacts[i].Version}
	}
	if p.UserID != "" {
		u := UserOf(p)
		out.User = &u
	}
	return out
}
