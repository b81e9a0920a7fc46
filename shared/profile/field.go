package profile

import (
	"bytes"
	"encoding/json"
)

// Field is one field of a partial write: absent (Set false), null (Set and
// Null) or a value. It tells "leave as is" apart from "clear".
type Field[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records that the field was present and whether it was
// null. Objects inside it are decoded as strictly as the body: an unknown
// field is an error.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		f.Null = true
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&f.Value)
}

// Changes are the writable fields of a profile in a create or update.
type Changes struct {
	FirstName        Field[string]
	MiddleName       Field[string]
	LastName         Field[string]
	CountryCode      Field[string]
	Enabled          Field[bool]
	Tags             Field[[]string]
	UUID             Field[string]
	FeatureUpdates   Field[bool]
	MarketingUpdates Field[bool]
}

// Empty reports whether no field is set.
func (c Changes) Empty() bool {
	return !(c.FirstName.Set || c.MiddleName.Set || c.LastName.Set || c.CountryCode.Set ||
		c.Enabled.Set || c.Tags.Set || c.UUID.Set || c.FeatureUpdates.Set || c.MarketingUpdates.Set)
}

// RequireAny is the error of an update that sets no field, nil otherwise.
func (c Changes) RequireAny() error { return requireAny(c.Empty()) }

// ContactChanges are the writable fields of a contact in a create or update.
type ContactChanges struct {
	Key      Field[string]
	Value    Field[string]
	UUID     Field[string]
	Verified Field[bool]
}

// Empty reports whether no field is set.
func (c ContactChanges) Empty() bool {
	return !(c.Key.Set || c.Value.Set || c.UUID.Set || c.Verified.Set)
}

// RequireAny is the error of an update that sets no field, nil otherwise.
func (c ContactChanges) RequireAny() error { return requireAny(c.Empty()) }

func requireAny(empty bool) error {
	if empty {
		return Invalid("body", "names no field to update")
	}
	return nil
}
