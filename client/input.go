package client

import (
	"bytes"
	"encoding/json"
)

// Opt is one field of a write: absent (the zero Opt: left as it is), null
// (Null: cleared) or a value (Set with Value). Null implies Set.
type Opt[T any] struct {
	Set, Null bool
	Value     T
}

// Value is an Opt that sets v.
func Value[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: v} }

// Null is an Opt that clears the field (JSON null).
func Null[T any]() Opt[T] { return Opt[T]{Set: true, Null: true} }

// ProfileInput is the body of CreateProfile, PutProfile and PatchProfile.
type ProfileInput struct {
	FirstName, MiddleName, LastName Opt[string]
	// CountryNumericCode is the ISO 3166 numeric code, such as "840".
	CountryNumericCode Opt[string]
	// UUID is the caller's own id of the profile, unique among profiles.
	UUID    Opt[string]
	Enabled Opt[bool]
	Tags    Opt[[]string]
	// Contacts are written by CreateProfile only (nil sends none); an
	// update leaves contacts as they are: use the contact methods.
	Contacts []ContactInput
}

// MarshalJSON is the JSON object of the fields that are set.
func (in ProfileInput) MarshalJSON() ([]byte, error) {
	var o object
	field(&o, "firstName", in.FirstName)
	field(&o, "middleName", in.MiddleName)
	field(&o, "lastName", in.LastName)
	field(&o, "countryNumericCode", in.CountryNumericCode)
	field(&o, "enabled", in.Enabled)
	field(&o, "tags", in.Tags)
	field(&o, "uuid", in.UUID)
	if in.Contacts != nil {
		field(&o, "contacts", Value(in.Contacts))
	}
	return o.bytes()
}

// ContactInput is the body of CreateContact, PutContact and PatchContact,
// and a contact of CreateProfile.
type ContactInput struct {
	// Key is "email" or "phone".
	Key   Opt[string]
	Value Opt[string]
	UUID  Opt[string]
	// Verified says whether the address or number has been verified.
	Verified Opt[bool]
}

// MarshalJSON is the JSON object of the fields that are set.
func (in ContactInput) MarshalJSON() ([]byte, error) {
	var o object
	field(&o, "key", in.Key)
	field(&o, "value", in.Value)
	field(&o, "uuid", in.UUID)
	field(&o, "verified", in.Verified)
	return o.bytes()
}

// UserInput is the body of UpdateMyProfile.
type UserInput struct {
	GivenName, FamilyName, Email     Opt[string]
	FeatureUpdates, MarketingUpdates Opt[bool]
}

// MarshalJSON is the JSON object of the fields that are set.
func (in UserInput) MarshalJSON() ([]byte, error) {
	var o object
	field(&o, "givenName", in.GivenName)
	field(&o, "familyName", in.FamilyName)
	field(&o, "featureUpdates", in.FeatureUpdates)
	field(&o, "marketingUpdates", in.MarketingUpdates)
	field(&o, "email", in.Email)
	return o.bytes()
}

// object builds a JSON object field by field, in order.
type object struct {
	buf bytes.Buffer
	err error
}

// field adds name to o unless v is absent.
func field[T any](o *object, name string, v Opt[T]) {
	if !v.Set && !v.Null || o.err != nil {
		return
	}
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	k, _ := json.Marshal(name)
	o.buf.Write(k)
	o.buf.WriteByte(':')
	if v.Null {
		o.buf.WriteString("null")
		return
	}
	b, err := json.Marshal(v.Value)
	if err != nil {
		o.err = err
		return
	}
	o.buf.Write(b)
}

func (o *object) bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if o.buf.Len() == 0 {
		return []byte("{}"), nil
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), nil
}
