// Package profile holds the domain of the service: profiles, their contacts,
// validation and the errors the domain can return; the use cases over them
// (Service); and the port of their persistence (Store). It imports no AWS
// package.
package profile

import (
	"strings"
	"time"
)

// Contact keys.
const (
	KeyEmail = "email"
	KeyPhone = "phone"
)

// Limits from the API reference and the design card.
const (
	MaxNameLen    = 255
	MaxTags       = 50
	MaxTagLen     = 64
	MaxContacts   = 50
	MaxUUIDLen    = 255
	TimeLayout    = "2006-01-02T15:04:05-07:00"
	timeLayoutUTC = "2006-01-02T15:04:05+00:00"
)

// Profile is a customer profile with its contacts, the aggregate the store
// reads and writes as one unit.
type Profile struct {
	ID               string
	FirstName        string
	MiddleName       string
	LastName         string
	CountryCode      string // ISO 3166-1 numeric, "" when unset
	Enabled          bool
	Tags             []string
	UUID             string // external id, "" when unset
	UserID           string // the linked end user (user-profile view), "" when none
	FeatureUpdates   bool
	MarketingUpdates bool
	Contacts         []Contact // in creation order
	CreateTime       time.Time
	UpdateTime       time.Time
	Version          int64
	// Erasure is why the profile is being erased, on a profile whose
	// erasure began (only a stream's image shows one: readers find none).
	Erasure ErasureReason
}

// Contact is an email address or phone number of a profile.
type Contact struct {
	ID         string
	Key        string
	Value      string
	UUID       string
	Verified   bool
	CreateTime time.Time
	UpdateTime time.Time
	Version    int64
}

// Name is firstName, middleName and lastName joined by single spaces, empty parts skipped.
func (p *Profile) Name() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{p.FirstName, p.MiddleName, p.LastName} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// Clone is a copy of the profile that shares no slice with it.
func (p *Profile) Clone() *Profile {
	c := *p
	c.Tags = append([]string{}, p.Tags...)
	c.Contacts = append([]Contact{}, p.Contacts...)
	return &c
}

// Contact returns the contact with the id, or nil.
func (p *Profile) Contact(id string) *Contact {
	for i := range p.Contacts {
		if p.Contacts[i].ID == id {
			return &p.Contacts[i]
		}
	}
	return nil
}

// Primary returns the earliest-created contact of the key, or nil. Contacts
// are kept in creation order, so it is the first one of that key.
func (p *Profile) Primary(key string) *Contact {
	for i := range p.Contacts {
		if p.Contacts[i].Key == key {
			return &p.Contacts[i]
		}
	}
	return nil
}

// FormatTime renders a timestamp as the API does: UTC, second precision, "+00:00".
func FormatTime(t time.Time) string {
	return t.UTC().Format(timeLayoutUTC)
}

// ParseTime reads a timestamp written by FormatTime.
func ParseTime(s string) (time.Time, error) {
	return time.Parse(TimeLayout, s)
}

// Now is the current time at the second precision the API exposes.
func Now() time.Time {
	return time.Now().UTC().Truncate(time.Second)
}
