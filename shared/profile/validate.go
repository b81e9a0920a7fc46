package profile

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/profiles-service/profiles/shared/country"
)

// cleanText trims s and checks it is valid UTF-8 without control characters
// and at most max characters long.
func cleanText(v *validator, field, s string, max int) (string, bool) {
	if !utf8.ValidString(s) {
		v.add(field, "must be valid UTF-8")
		return "", false
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > max {
		v.add(field, "must be at most %d characters (got %d)", max, n)
		return "", false
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		v.add(field, "must not contain control characters")
		return "", false
	}
	return s, true
}

// optionalText applies a nullable text field: null or "" clears it.
func optionalText(v *validator, field string, f Field[string], max int, dst *string) {
	if !f.Set {
		return
	}
	if f.Null {
		*dst = ""
		return
	}
	if s, ok := cleanText(v, field, f.Value, max); ok {
		*dst = s
	}
}

// NormalizeEmail validates an email address and returns its normal form:
// NFC, the local part as given, the domain IDNA-normalised (normalizeDomain)
// in its Unicode form. Quoted local parts and address literals are refused,
// and so are local parts with characters a name may not hold (refusedRune).
func NormalizeEmail(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return "", false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 || refusedRune(local) != "" || strings.IndexFunc(local, unicode.IsSpace) >= 0 {
		return "", false
	}
	domain, ok := normalizeDomain(domain)
	if !ok {
		return "", false
	}
	out := local + "@" + domain
	return out, len(out) <= 254
}

func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 || len(d) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return false
			}
		}
	}
	return true
}

// NormalizePhone brings a phone number to E.164: "+" then 8 to 15 digits.
// Spaces, dots, dashes and parentheses are dropped; a leading "00" is read as "+".
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	if !strings.HasPrefix(s, "+") {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	out := b.String()
	if n := len(out) - 1; n < 8 || n > 15 || out[1] == '0' {
		return "", false
	}
	return out, true
}

// NormalizeContactValue validates value for key and returns its normal form.
func NormalizeContactValue(key, value string) (string, bool) {
	switch key {
	case KeyEmail:
		return NormalizeEmail(value)
	case KeyPhone:
		return NormalizePhone(value)
	}
	return "", false
}

func validCountry(v *validator, field string, f Field[string], dst *string) {
	if !f.Set {
		return
	}
	if f.Null || f.Value == "" {
		*dst = ""
		return
	}
	if _, ok := country.Lookup(f.Value); !ok {
		v.add(field, "must be an ISO 3166-1 numeric country code such as \"840\"")
		return
	}
	*dst = f.Value
}

func validTags(v *validator, f Field[[]string], dst *[]string) {
	if !f.Set {
		return
	}
	if f.Null {
		*dst = []string{}
		return
	}
	if len(f.Value) > MaxTags {
		v.add("tags", "must hold at most %d tags (got %d)", MaxTags, len(f.Value))
		return
	}
	out := make([]string, 0, len(f.Value))
	seen := make(map[string]bool, len(f.Value))
	for i, t := range f.Value {
		field := "tags[" + strconv.Itoa(i) + "]"
		t, ok := cleanText(v, field, t, MaxTagLen)
		if !ok {
			continue
		}
		if t == "" {
			v.add(field, "must not be empty")
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	*dst = out
}

// optionalName applies a nullable name: in NFC, trimmed, without the
// characters refusedRune names.
func optionalName(v *validator, field string, f Field[string], dst *string) {
	if f.Set && !f.Null && utf8.ValidString(f.Value) {
		f.Value = norm.NFC.String(f.Value)
		if bad := refusedRune(f.Value); bad != "" {
			v.add(field, "must not contain %s", bad)
			return
		}
	}
	optionalText(v, field, f, MaxNameLen, dst)
}

// applyProfile validates c and writes it into p. Names are NFC, trimmed; null clears.
func applyProfile(v *validator, p *Profile, c Changes) {
	optionalName(v, "firstName", c.FirstName, &p.FirstName)
	optionalName(v, "middleName", c.MiddleName, &p.MiddleName)
	optionalName(v, "lastName", c.LastName, &p.LastName)
	optionalText(v, "uuid", c.UUID, MaxUUIDLen, &p.UUID)
	validCountry(v, "countryNumericCode", c.CountryCode, &p.CountryCode)
	validTags(v, c.Tags, &p.Tags)
	nonNullBool(v, "enabled", c.Enabled, &p.Enabled)
	nonNullBool(v, "featureUpdates", c.FeatureUpdates, &p.FeatureUpdates)
	nonNullBool(v, "marketingUpdates", c.MarketingUpdates, &p.MarketingUpdates)
}

func nonNullBool(v *validator, field string, f Field[bool], dst *bool) {
	if !f.Set {
		return
	}
	if f.Null {
		v.add(field, "must be true or false, not null")
		return
	}
	*dst = f.Value
}

// applyContact validates c and writes it into ct; prefix names the fields in errors.
func applyContact(v *validator, prefix string, ct *Contact, c ContactChanges) {
	if c.Key.Set {
		if c.Key.Null || (c.Key.Value != KeyEmail && c.Key.Value != KeyPhone) {
			v.add(prefix+"key", "must be \"email\" or \"phone\"")
			return
		}
		ct.Key = c.Key.Value
	}
	value := ct.Value
	if c.Value.Set {
		if c.Value.Null {
			v.add(prefix+"value", "is required")
			return
		}
		value = c.Value.Value
	}
	if ct.Key == "" {
		v.add(prefix+"key", "is required")
		return
	}
	if value == "" {
		v.add(prefix+"value", "is required")
		return
	}
	if !utf8.ValidString(value) {
		v.add(prefix+"value", "must be valid UTF-8")
		return
	}
	norm, ok := NormalizeContactValue(ct.Key, value)
	if !ok {
		if ct.Key == KeyEmail {
			v.add(prefix+"value", "must be a valid email address")
		} else {
			v.add(prefix+"value", "must be a phone number in E.164 form: \"+\" then 8 to 15 digits")
		}
		return
	}
	ct.Value = norm
	optionalText(v, prefix+"uuid", c.UUID, MaxUUIDLen, &ct.UUID)
	nonNullBool(v, prefix+"verified", c.Verified, &ct.Verified)
}
