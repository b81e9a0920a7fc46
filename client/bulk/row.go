package bulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/profiles-service/profiles/client"
)

// The -match modes: how a row without a profileId finds its profile.
const (
	// MatchAuto upserts by uuid a row that has one, and creates the others.
	MatchAuto = "auto"
	// MatchCreate creates every row without a profileId.
	MatchCreate = "create"
	// MatchUUID, MatchEmail and MatchPhone upsert every row without a
	// profileId by that natural key; a row without it fails.
	MatchUUID  = client.MatchUUID
	MatchEmail = client.MatchEmail
	MatchPhone = client.MatchPhone
)

// checkMatch refuses a mode that is none of the Match constants.
func checkMatch(m string) error {
	switch m {
	case MatchAuto, MatchCreate, MatchUUID, MatchEmail, MatchPhone:
		return nil
	}
	return fmt.Errorf("bulk: match %q is none of auto, create, uuid, email, phone", m)
}

// Row is one row of an import file: the batch item it becomes, or why it
// could not be read.
type Row struct {
	// Line is the row's line number in the file, from 1 (a CSV row's first
	// line when a quoted field spans several).
	Line int
	// Item is what the row sends; zero when Err is set.
	Item client.BatchItem
	// Raw is the row as the file holds it, for the error file.
	Raw string
	// Err says why the row could not be read; nil for a good row.
	Err error
}

// record is a row as the Profile object of the API: what export writes,
// what GET /profiles/{id} answers. The read-only fields are accepted and
// ignored, so an export imports back as it is.
type record struct {
	ProfileID          opt[string]     `json:"profileId"`
	ID                 opt[string]     `json:"id"`
	Contacts           []contactRecord `json:"contacts"`
	CountryNumericCode opt[string]     `json:"countryNumericCode"`
	Enabled            opt[bool]       `json:"enabled"`
	FirstName          opt[string]     `json:"firstName"`
	MiddleName         opt[string]     `json:"middleName"`
	LastName           opt[string]     `json:"lastName"`
	Tags               opt[[]string]   `json:"tags"`
	UUID               opt[string]     `json:"uuid"`
	// Read-only: the service sets them.
	Country    json.RawMessage `json:"country"`
	Name       json.RawMessage `json:"name"`
	CreateTime json.RawMessage `json:"createTime"`
	UpdateTime json.RawMessage `json:"updateTime"`
	Version    json.RawMessage `json:"version"`
}

type contactRecord struct {
	Key      opt[string] `json:"key"`
	Value    opt[string] `json:"value"`
	UUID     opt[string] `json:"uuid"`
	Verified opt[bool]   `json:"verified"`
	// Read-only.
	ContactID  json.RawMessage `json:"contactId"`
	CreateTime json.RawMessage `json:"createTime"`
	UpdateTime json.RawMessage `json:"updateTime"`
}

// opt is a client.Opt read from JSON: absent, null or a value.
type opt[T any] struct{ client.Opt[T] }

// UnmarshalJSON is called for null too, which makes the field Null.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Opt = client.Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Opt = client.Value(v)
	return nil
}

// value is the string o holds, "" when absent or null.
func value(o opt[string]) string {
	if o.Null {
		return ""
	}
	return o.Value
}

// parseRecord reads one NDJSON line.
func parseRecord(line []byte) (record, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("not a Profile object: %w", jsonError(err))
	}
	if dec.More() {
		return r, errors.New("not a Profile object: more than one JSON value on the line")
	}
	return r, nil
}

// jsonError is err without encoding/json's Go type names where it names
// a field.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: a JSON %s where the Profile object has none", te.Field, te.Value)
	}
	return err
}

// item is the batch item of r, by mode (one of the Match constants).
func (r record) item(mode string) (client.BatchItem, error) {
	in := client.ProfileInput{
		FirstName: r.FirstName.Opt, MiddleName: r.MiddleName.Opt, LastName: r.LastName.Opt,
		CountryNumericCode: r.CountryNumericCode.Opt, UUID: r.UUID.Opt, Enabled: r.Enabled.Opt, Tags: r.Tags.Opt,
	}
	if in.Tags.Set && !in.Tags.Null && in.Tags.Value == nil {
		in.Tags.Value = []string{}
	}
	if r.Contacts != nil {
		in.Contacts = make([]client.ContactInput, len(r.Contacts))
		for i, c := range r.Contacts {
			in.Contacts[i] = client.ContactInput{Key: c.Key.Opt, Value: c.Value.Opt, UUID: c.UUID.Opt, Verified: c.Verified.Opt}
		}
	}
	id, alias := value(r.ProfileID), value(r.ID)
	if id != "" && alias != "" && id != alias {
		return client.BatchItem{}, fmt.Errorf("profileId %q and id %q differ", id, alias)
	}
	if id == "" {
		id = alias
	}
	if id != "" {
		return client.BatchItem{Op: client.OpUpsert, Match: client.MatchID, ID: id, Profile: in}, nil
	}
	switch mode {
	case MatchAuto:
		if value(r.UUID) != "" {
			return client.BatchItem{Op: client.OpUpsert, Match: client.MatchUUID, Profile: in}, nil
		}
		return client.BatchItem{Op: client.OpCreate, Profile: in}, nil
	case MatchCreate:
		return client.BatchItem{Op: client.OpCreate, Profile: in}, nil
	case MatchUUID:
		if value(r.UUID) == "" {
			return client.BatchItem{}, errors.New("match uuid: the row has no uuid")
		}
	case MatchEmail, MatchPhone:
		if !hasContact(in.Contacts, mode) {
			return client.BatchItem{}, fmt.Errorf("match %s: the row has no %s contact", mode, mode)
		}
	}
	return client.BatchItem{Op: client.OpUpsert, Match: mode, Profile: in}, nil
}

func hasContact(cs []client.ContactInput, key string) bool {
	for _, c := range cs {
		if strings.EqualFold(c.Key.Value, key) && c.Value.Value != "" {
			return true
		}
	}
	return false
}
