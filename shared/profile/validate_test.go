package profile

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// val is a field set to v.
func val[T any](v T) Field[T] { return Field[T]{Set: true, Value: v} }

// null is a field set to JSON null.
func null[T any]() Field[T] { return Field[T]{Set: true, Null: true} }

var t0 = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// referenceInput is the body of the reference's POST /profiles example.
func referenceInput() Input {
	return Input{
		Changes: Changes{
			CountryCode: val("840"),
			Enabled:     val(true),
			FirstName:   val("Mary"),
			MiddleName:  val("Jane"),
			LastName:    val("Smith"),
			UUID:        null[string](),
		},
		Contacts: []ContactChanges{
			{Key: val(KeyEmail), Value: val("client@email.com"), UUID: null[string]()},
			{Key: val(KeyPhone), Value: val("+9876543210"), UUID: null[string]()},
		},
	}
}

// fieldsOf returns the field names of a *ValidationError, failing the test
// when err is not one.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want *ValidationError", err, err)
	}
	out := make([]string, len(ve.Errors))
	for i, f := range ve.Errors {
		out[i] = f.Field
		if f.Message == "" {
			t.Errorf("field %q has an empty message", f.Field)
		}
	}
	return out
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"client@email.com", "client@email.com", true},
		{"a31b1402@privaterelay.appleid.com", "a31b1402@privaterelay.appleid.com", true},
		{"Mary.Smith@Example.COM", "Mary.Smith@example.com", true},
		{"MARY@EMAIL.COM", "MARY@email.com", true},
		{"first.last+tag@sub.example.co.nz", "first.last+tag@sub.example.co.nz", true},
		{"  padded@example.com  ", "padded@example.com", true},
		{"x@a-b.example", "x@a-b.example", true},
		{"", "", false},
		{"no-at.example.com", "", false},
		{"a@b@example.com", "", false},
		{"a b@example.com", "", false},
		{"a@exa mple.com", "", false},
		{"A <a@b.com>", "", false},
		{"<a@b.com>", "", false},
		{`"a b"@example.com`, "", false},
		{"@example.com", "", false},
		{"a@", "", false},
		{"a@localhost", "", false},
		{"a@-example.com", "", false},
		{"a@example-.com", "", false},
		{"a@example.-com", "", false},
		{"a@example.com-", "", false},
		{"a@example..com", "", false},
		{"a@example.com.", "", false},
		{"a@.example.com", "", false},
		{"a@exa_mple.com", "", false},
		{"a@[192.168.0.1]", "", false},
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{"a@" + strings.Repeat("b", 64) + ".com", "", false},
		// 254 characters is the longest allowed.
		{emailOfLen(254), emailOfLen(254), true},
		{emailOfLen(255), "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeEmail(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// emailOfLen returns a valid-looking address of n bytes (250 to 256): a
// 60-character local part and a domain of labels no longer than 63.
func emailOfLen(n int) string {
	return strings.Repeat("a", 60) + "@" + strings.Repeat(strings.Repeat("b", 60)+".", 3) + strings.Repeat("c", n-248) + ".com"
}

func TestEmailOfLen(t *testing.T) {
	t.Parallel()
	for _, n := range []int{254, 255} {
		if got := len(emailOfLen(n)); got != n {
			t.Errorf("len(emailOfLen(%d)) = %d", n, got)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"+9876543210", "+9876543210", true},
		{"+64 27 111 2222", "+64271112222", true},
		{"0064271112222", "+64271112222", true},
		{"0064 27 111 2222", "+64271112222", true},
		{"+1 (555) 010-9999", "+15550109999", true},
		{"+44.20.7946.0000", "+442079460000", true},
		{" +12345678 ", "+12345678", true},             // 8 digits
		{"+123456789012345", "+123456789012345", true}, // 15 digits
		{"", "", false},
		{"+", "", false},
		{"9876543210", "", false},
		{"64 27 111 2222", "", false},
		{"+98765x43210", "", false},
		{"+1-800-FLOWERS", "", false},
		{"+1234567", "", false},          // 7 digits
		{"+1234567890123456", "", false}, // 16 digits
		{"+0123456789", "", false},
		{"000123456789", "", false},
		{"++64271112222", "", false},
		{"+64/27/111/2222", "", false},
		{"+６４２７１１１２２２２", "", false}, // full-width digits
	}
	for _, tt := range tests {
		got, ok := NormalizePhone(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNewReferenceBody(t *testing.T) {
	t.Parallel()
	in := referenceInput()
	in.FirstName = val("  Mary ")
	in.LastName = val("\tSmith\n")
	in.Enabled = Field[bool]{} // absent: enabled by default
	p, err := New(in, t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !ValidID(p.ID) {
		t.Errorf("ID = %q, want a valid id", p.ID)
	}
	if !p.Enabled {
		t.Error("Enabled = false, want true by default")
	}
	if p.FirstName != "Mary" || p.MiddleName != "Jane" || p.LastName != "Smith" || p.Name() != "Mary Jane Smith" {
		t.Errorf("names = %q %q %q, want trimmed Mary Jane Smith", p.FirstName, p.MiddleName, p.LastName)
	}
	if p.CountryCode != "840" || p.UUID != "" {
		t.Errorf("CountryCode, UUID = %q, %q; want 840, empty", p.CountryCode, p.UUID)
	}
	if p.Tags == nil || len(p.Tags) != 0 {
		t.Errorf("Tags = %#v, want empty non-nil", p.Tags)
	}
	if p.Version != 1 {
		t.Errorf("Version = %d, want 1", p.Version)
	}
	if !p.CreateTime.Equal(t0) || !p.UpdateTime.Equal(t0) {
		t.Errorf("times = %v, %v; want %v", p.CreateTime, p.UpdateTime, t0)
	}
	if len(p.Contacts) != 2 {
		t.Fatalf("got %d contacts, want 2", len(p.Contacts))
	}
	want := []struct{ key, value string }{{KeyEmail, "client@email.com"}, {KeyPhone, "+9876543210"}}
	for i, w := range want {
		c := p.Contacts[i]
		if c.Key != w.key || c.Value != w.value {
			t.Errorf("contacts[%d] = %s %s, want %s %s", i, c.Key, c.Value, w.key, w.value)
		}
		if c.Version != 1 || !ValidID(c.ID) || c.UUID != "" || !c.CreateTime.Equal(t0) || !c.UpdateTime.Equal(t0) {
			t.Errorf("contacts[%d] = %+v, want version 1, a valid id, no uuid, times %v", i, c, t0)
		}
	}
	if p.Contacts[0].ID == p.Contacts[1].ID {
		t.Error("the two contacts share an id")
	}
}

func TestNewEnabledFalseKept(t *testing.T) {
	t.Parallel()
	in := referenceInput()
	in.Enabled = val(false)
	p, err := New(in, t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p.Enabled {
		t.Error("Enabled = true, want false as sent")
	}
}

func TestNewAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*Input)
		check  func(*Profile) bool
	}{
		{"255 multibyte runes", func(in *Input) { in.FirstName = val(strings.Repeat("é", 255)) },
			func(p *Profile) bool { return p.FirstName == strings.Repeat("é", 255) }},
		{"255 four-byte runes", func(in *Input) { in.LastName = val(strings.Repeat("😀", 255)) },
			func(p *Profile) bool { return p.LastName == strings.Repeat("😀", 255) }},
		{"255 ascii", func(in *Input) { in.MiddleName = val(strings.Repeat("a", 255)) },
			func(p *Profile) bool { return len(p.MiddleName) == 255 }},
		{"no contacts", func(in *Input) { in.Contacts = nil },
			func(p *Profile) bool { return len(p.Contacts) == 0 }},
		{"50 contacts", func(in *Input) { in.Contacts = phones(50) },
			func(p *Profile) bool { return len(p.Contacts) == 50 }},
		{"50 tags deduplicated", func(in *Input) {
			tags := make([]string, 50)
			for i := range tags {
				tags[i] = "t" + strconv.Itoa(i%25)
			}
			in.Tags = val(tags)
		}, func(p *Profile) bool { return len(p.Tags) == 25 && p.Tags[0] == "t0" && p.Tags[24] == "t24" }},
		{"64-char tag", func(in *Input) { in.Tags = val([]string{strings.Repeat("ü", 64)}) },
			func(p *Profile) bool { return len(p.Tags) == 1 }},
		{"email normalised", func(in *Input) {
			in.Contacts = []ContactChanges{{Key: val(KeyEmail), Value: val("Mary@Email.COM")}}
		}, func(p *Profile) bool { return p.Contacts[0].Value == "Mary@email.com" }},
		{"phone normalised", func(in *Input) {
			in.Contacts = []ContactChanges{{Key: val(KeyPhone), Value: val("0064 27 111 2222")}}
		}, func(p *Profile) bool { return p.Contacts[0].Value == "+64271112222" }},
		{"empty country clears", func(in *Input) { in.CountryCode = val("") },
			func(p *Profile) bool { return p.CountryCode == "" }},
		{"same value different key", func(in *Input) {
			in.Contacts = []ContactChanges{
				{Key: val(KeyPhone), Value: val("+6421000000")},
				{Key: val(KeyEmail), Value: val("6421000000@example.com")},
			}
		}, func(p *Profile) bool { return len(p.Contacts) == 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := referenceInput()
			tt.modify(&in)
			p, err := New(in, t0)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if !tt.check(p) {
				t.Errorf("unexpected profile %+v", p)
			}
		})
	}
}

// phones returns n distinct phone contacts.
func phones(n int) []ContactChanges {
	out := make([]ContactChanges, n)
	for i := range out {
		out[i] = ContactChanges{Key: val(KeyPhone), Value: val("+64210" + strconv.Itoa(100000+i))}
	}
	return out
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tags := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "tag" + strconv.Itoa(i)
		}
		return out
	}
	tests := []struct {
		name   string
		modify func(*Input)
		field  string
	}{
		{"first name 256 runes", func(in *Input) { in.FirstName = val(strings.Repeat("é", 256)) }, "firstName"},
		{"middle name 256 ascii", func(in *Input) { in.MiddleName = val(strings.Repeat("a", 256)) }, "middleName"},
		{"last name 256 runes", func(in *Input) { in.LastName = val(strings.Repeat("😀", 256)) }, "lastName"},
		{"control character", func(in *Input) { in.FirstName = val("Ma\x00ry") }, "firstName"},
		{"inner newline", func(in *Input) { in.LastName = val("Sm\nith") }, "lastName"},
		{"C1 control", func(in *Input) { in.MiddleName = val("Ja\u0085ne") }, "middleName"},
		{"invalid UTF-8", func(in *Input) { in.FirstName = val("Ma\xffry") }, "firstName"},
		{"uuid invalid UTF-8", func(in *Input) { in.UUID = val("\xc3") }, "uuid"},
		{"uuid too long", func(in *Input) { in.UUID = val(strings.Repeat("u", 256)) }, "uuid"},
		{"unknown country", func(in *Input) { in.CountryCode = val("999") }, "countryNumericCode"},
		{"country alpha code", func(in *Input) { in.CountryCode = val("US") }, "countryNumericCode"},
		{"country unpadded", func(in *Input) { in.CountryCode = val("4") }, "countryNumericCode"},
		{"enabled null", func(in *Input) { in.Enabled = null[bool]() }, "enabled"},
		{"bad contact key", func(in *Input) { in.Contacts[1].Key = val("fax") }, "contacts[1].key"},
		{"null contact key", func(in *Input) { in.Contacts[0].Key = null[string]() }, "contacts[0].key"},
		{"missing contact key", func(in *Input) { in.Contacts[1].Key = Field[string]{} }, "contacts[1].key"},
		{"missing contact value", func(in *Input) { in.Contacts[1].Value = Field[string]{} }, "contacts[1].value"},
		{"null contact value", func(in *Input) { in.Contacts[0].Value = null[string]() }, "contacts[0].value"},
		{"invalid email", func(in *Input) { in.Contacts[0].Value = val("not-an-email") }, "contacts[0].value"},
		{"invalid phone", func(in *Input) { in.Contacts[1].Value = val("9876543210") }, "contacts[1].value"},
		{"email as phone", func(in *Input) { in.Contacts[1].Value = val("client@email.com") }, "contacts[1].value"},
		{"duplicate contact", func(in *Input) {
			in.Contacts = append(in.Contacts, ContactChanges{Key: val(KeyEmail), Value: val("client@EMAIL.com")})
		}, "contacts[2].value"},
		{"duplicate phone after normalising", func(in *Input) {
			in.Contacts[0] = ContactChanges{Key: val(KeyPhone), Value: val("0098 7654 3210")}
		}, "contacts[1].value"},
		{"51 contacts", func(in *Input) { in.Contacts = phones(51) }, "contacts"},
		{"51 tags", func(in *Input) { in.Tags = val(tags(51)) }, "tags"},
		{"tag of 65 chars", func(in *Input) { in.Tags = val([]string{"ok", strings.Repeat("x", 65)}) }, "tags[1]"},
		{"empty tag", func(in *Input) { in.Tags = val([]string{""}) }, "tags[0]"},
		{"blank tag", func(in *Input) { in.Tags = val([]string{"a", "b", "   "}) }, "tags[2]"},
		{"tag with control", func(in *Input) { in.Tags = val([]string{"a\tb"}) }, "tags[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := referenceInput()
			tt.modify(&in)
			p, err := New(in, t0)
			if p != nil {
				t.Errorf("New returned a profile %+v with the error", p)
			}
			fields := fieldsOf(t, err)
			if !reflect.DeepEqual(fields, []string{tt.field}) {
				t.Errorf("error fields = %q, want [%q] (error: %v)", fields, tt.field, err)
			}
		})
	}
}

func TestNewListsEveryInvalidField(t *testing.T) {
	t.Parallel()
	in := referenceInput()
	in.FirstName = val(strings.Repeat("a", 256))
	in.CountryCode = val("999")
	in.Contacts[0].Value = val("bad")
	in.Contacts[1].Key = val("fax")
	_, err := New(in, t0)
	got := fieldsOf(t, err)
	want := []string{"firstName", "countryNumericCode", "contacts[0].value", "contacts[1].key"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error fields = %q, want %q", got, want)
	}
}

// stored returns the reference profile as New makes it, with tags.
func stored(t *testing.T) *Profile {
	t.Helper()
	in := referenceInput()
	in.UUID = val("ext-1")
	in.Tags = val([]string{"blue", "green"})
	p, err := New(in, t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// clone deep-copies a profile for before/after comparisons.
func clone(p *Profile) *Profile {
	c := *p
	c.Tags = slices.Clone(p.Tags)
	c.Contacts = slices.Clone(p.Contacts)
	return &c
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	later := t0.Add(time.Hour)
	tests := []struct {
		name   string
		change Changes
		check  func(*Profile) bool
	}{
		{"null clears middleName", Changes{MiddleName: null[string]()},
			func(p *Profile) bool { return p.MiddleName == "" && p.Name() == "Mary Smith" }},
		{"null clears country", Changes{CountryCode: null[string]()},
			func(p *Profile) bool { return p.CountryCode == "" }},
		{"null clears uuid", Changes{UUID: null[string]()},
			func(p *Profile) bool { return p.UUID == "" }},
		{"empty string clears lastName", Changes{LastName: val("")},
			func(p *Profile) bool { return p.LastName == "" && p.FirstName == "Mary" }},
		{"null clears tags", Changes{Tags: null[[]string]()},
			func(p *Profile) bool { return p.Tags != nil && len(p.Tags) == 0 }},
		{"disable", Changes{Enabled: val(false)},
			func(p *Profile) bool { return !p.Enabled }},
		{"rename trims", Changes{FirstName: val(" Anna ")},
			func(p *Profile) bool { return p.FirstName == "Anna" && p.MiddleName == "Jane" }},
		{"change country", Changes{CountryCode: val("554")},
			func(p *Profile) bool { return p.CountryCode == "554" }},
		{"absent fields kept", Changes{UUID: val("ext-2")},
			func(p *Profile) bool {
				return p.UUID == "ext-2" && p.FirstName == "Mary" && p.CountryCode == "840" && p.Enabled && len(p.Tags) == 2
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := stored(t)
			if err := p.Update(tt.change, later); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if !tt.check(p) {
				t.Errorf("unexpected profile %+v", p)
			}
			if !p.UpdateTime.Equal(later) {
				t.Errorf("UpdateTime = %v, want %v", p.UpdateTime, later)
			}
			if !p.CreateTime.Equal(t0) {
				t.Errorf("CreateTime = %v, want %v", p.CreateTime, t0)
			}
			if len(p.Contacts) != 2 {
				t.Errorf("Update changed contacts: %+v", p.Contacts)
			}
		})
	}
}

func TestUpdateTimeNeverMovesBack(t *testing.T) {
	t.Parallel()
	p := stored(t)
	later := t0.Add(time.Hour)
	if err := p.Update(Changes{FirstName: val("A")}, later); err != nil {
		t.Fatal(err)
	}
	if err := p.Update(Changes{FirstName: val("B")}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if p.FirstName != "B" {
		t.Errorf("FirstName = %q, want B", p.FirstName)
	}
	if !p.UpdateTime.Equal(later) {
		t.Errorf("UpdateTime = %v, want it kept at %v", p.UpdateTime, later)
	}
	if !p.CreateTime.Equal(t0) {
		t.Errorf("CreateTime = %v, want %v", p.CreateTime, t0)
	}
}

func TestUpdateRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change Changes
		fields []string
	}{
		{"empty changes", Changes{}, []string{"body"}},
		{"enabled null", Changes{Enabled: null[bool]()}, []string{"enabled"}},
		{"long name", Changes{LastName: val(strings.Repeat("ß", 256))}, []string{"lastName"}},
		{"unknown country", Changes{CountryCode: val("999")}, []string{"countryNumericCode"}},
		{"bad tag", Changes{Tags: val([]string{"ok", ""})}, []string{"tags[1]"}},
		// A valid field beside an invalid one is not applied either.
		{"partly valid", Changes{FirstName: val("Zed"), Tags: val([]string{"new"}), MiddleName: val("a\x07b")},
			[]string{"middleName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := stored(t)
			before := clone(p)
			err := p.Update(tt.change, t0.Add(time.Hour))
			if got := fieldsOf(t, err); !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("error fields = %q, want %q", got, tt.fields)
			}
			if !reflect.DeepEqual(p, before) {
				t.Errorf("failed Update changed the profile:\n got %+v\nwant %+v", p, before)
			}
		})
	}
}

func TestUpdateDoesNotAliasTags(t *testing.T) {
	t.Parallel()
	p := stored(t)
	before := clone(p)
	tags := p.Tags
	if err := p.Update(Changes{Tags: val([]string{"red"})}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tags, before.Tags) {
		t.Errorf("the old tags slice changed to %q", tags)
	}
	if !reflect.DeepEqual(p.Tags, []string{"red"}) {
		t.Errorf("Tags = %q, want [red]", p.Tags)
	}
}

func TestAddContact(t *testing.T) {
	t.Parallel()
	p := stored(t)
	now := t0.Add(time.Minute)
	c, err := p.AddContact(ContactChanges{Key: val(KeyEmail), Value: val("Other@Email.com"), UUID: val("u-1")}, now)
	if err != nil {
		t.Fatalf("AddContact: %v", err)
	}
	if c.Value != "Other@email.com" || c.Key != KeyEmail || c.UUID != "u-1" || c.Version != 1 || !ValidID(c.ID) {
		t.Errorf("contact = %+v", c)
	}
	if !c.CreateTime.Equal(now) || !c.UpdateTime.Equal(now) {
		t.Errorf("contact times = %v, %v; want %v", c.CreateTime, c.UpdateTime, now)
	}
	if len(p.Contacts) != 3 || p.Contacts[2].ID != c.ID {
		t.Errorf("contact not appended last: %+v", p.Contacts)
	}
	if p.Contact(c.ID) != c {
		t.Error("returned contact is not the stored one")
	}
}

func TestAddContactRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		contacts int // contacts the profile holds first, 0 for the reference's two
		cc       ContactChanges
		conflict bool
		field    string
	}{
		{"51st contact", 50, ContactChanges{Key: val(KeyEmail), Value: val("new@example.com")}, true, ""},
		{"duplicate email", 0, ContactChanges{Key: val(KeyEmail), Value: val("client@EMAIL.COM")}, true, ""},
		{"duplicate phone", 0, ContactChanges{Key: val(KeyPhone), Value: val("00 98 7654 3210")}, true, ""},
		{"missing key", 0, ContactChanges{Value: val("x@example.com")}, false, "key"},
		{"bad key", 0, ContactChanges{Key: val("fax"), Value: val("x@example.com")}, false, "key"},
		{"missing value", 0, ContactChanges{Key: val(KeyEmail)}, false, "value"},
		{"invalid email", 0, ContactChanges{Key: val(KeyEmail), Value: val("x@")}, false, "value"},
		{"invalid phone", 0, ContactChanges{Key: val(KeyPhone), Value: val("+1")}, false, "value"},
		{"verified null", 0, ContactChanges{Key: val(KeyEmail), Value: val("x@example.com"), Verified: null[bool]()}, false, "verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := stored(t)
			if tt.contacts > 0 {
				in := referenceInput()
				in.Contacts = phones(tt.contacts)
				var err error
				if p, err = New(in, t0); err != nil {
					t.Fatal(err)
				}
			}
			before := clone(p)
			c, err := p.AddContact(tt.cc, t0.Add(time.Minute))
			if c != nil {
				t.Errorf("AddContact returned %+v with the error", c)
			}
			if tt.conflict {
				var ce *ConflictError
				if !errors.As(err, &ce) || ce.Detail == "" {
					t.Errorf("error = %v (%T), want *ConflictError", err, err)
				}
			} else if got := fieldsOf(t, err); !reflect.DeepEqual(got, []string{tt.field}) {
				t.Errorf("error fields = %q, want [%q]", got, tt.field)
			}
			if !reflect.DeepEqual(p, before) {
				t.Error("failed AddContact changed the profile")
			}
		})
	}
}

func TestUpdateContact(t *testing.T) {
	t.Parallel()
	later := t0.Add(time.Hour)
	tests := []struct {
		name  string
		index int
		cc    ContactChanges
		key   string
		value string
		uuid  string
	}{
		{"new email", 0, ContactChanges{Value: val("New@Example.COM")}, KeyEmail, "New@example.com", ""},
		{"same value again", 0, ContactChanges{Value: val("client@email.com")}, KeyEmail, "client@email.com", ""},
		{"uuid only", 1, ContactChanges{UUID: val("u-9")}, KeyPhone, "+9876543210", "u-9"},
		{"key and value", 0, ContactChanges{Key: val(KeyPhone), Value: val("+64 21 000 0000")}, KeyPhone, "+64210000000", ""},
		{"phone to email", 1, ContactChanges{Key: val(KeyEmail), Value: val("x@example.com")}, KeyEmail, "x@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := stored(t)
			id := p.Contacts[tt.index].ID
			c, err := p.UpdateContact(id, tt.cc, later)
			if err != nil {
				t.Fatalf("UpdateContact: %v", err)
			}
			if c.ID != id || c.Key != tt.key || c.Value != tt.value || c.UUID != tt.uuid {
				t.Errorf("contact = %+v, want %s %s uuid %q", c, tt.key, tt.value, tt.uuid)
			}
			if c.Version != 2 {
				t.Errorf("Version = %d, want 2", c.Version)
			}
			if !c.UpdateTime.Equal(later) || !c.CreateTime.Equal(t0) {
				t.Errorf("times = %v, %v; want create %v, update %v", c.CreateTime, c.UpdateTime, t0, later)
			}
			if p.Contacts[tt.index] != *c {
				t.Error("the stored contact was not updated")
			}
		})
	}
}

func TestUpdateContactVersionAndTime(t *testing.T) {
	t.Parallel()
	p := stored(t)
	id := p.Contacts[0].ID
	later := t0.Add(time.Hour)
	for i, now := range []time.Time{later, t0.Add(time.Minute), later.Add(time.Second)} {
		c, err := p.UpdateContact(id, ContactChanges{UUID: val("u" + strconv.Itoa(i))}, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(i + 2); c.Version != want {
			t.Errorf("update %d: Version = %d, want %d", i, c.Version, want)
		}
	}
	if got := p.Contacts[0].UpdateTime; !got.Equal(later.Add(time.Second)) {
		t.Errorf("UpdateTime = %v, want %v", got, later.Add(time.Second))
	}
}

func TestUpdateContactRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       string // "" means contacts[0]
		cc       ContactChanges
		notFound bool
		conflict bool
		field    string
	}{
		{"unknown id", "000000000000000000000000", ContactChanges{Value: val("x@example.com")}, true, false, ""},
		{"empty changes", "", ContactChanges{}, false, false, "body"},
		{"key only email to phone", "", ContactChanges{Key: val(KeyPhone)}, false, false, "value"},
		{"bad key", "", ContactChanges{Key: val("fax")}, false, false, "key"},
		{"null value", "", ContactChanges{Value: null[string]()}, false, false, "value"},
		{"invalid email", "", ContactChanges{Value: val("a b@example.com")}, false, false, "value"},
		{"duplicate of another", "", ContactChanges{Key: val(KeyPhone), Value: val("+9876543210")}, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := stored(t)
			before := clone(p)
			id := tt.id
			if id == "" {
				id = p.Contacts[0].ID
			}
			c, err := p.UpdateContact(id, tt.cc, t0.Add(time.Hour))
			if c != nil {
				t.Errorf("UpdateContact returned %+v with the error", c)
			}
			var ce *ConflictError
			switch {
			case tt.notFound:
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("error = %v, want ErrNotFound", err)
				}
			case tt.conflict:
				if !errors.As(err, &ce) {
					t.Errorf("error = %v (%T), want *ConflictError", err, err)
				}
			default:
				if got := fieldsOf(t, err); !reflect.DeepEqual(got, []string{tt.field}) {
					t.Errorf("error fields = %q, want [%q]", got, tt.field)
				}
			}
			if !reflect.DeepEqual(p, before) {
				t.Errorf("failed UpdateContact changed the profile:\n got %+v\nwant %+v", p.Contacts, before.Contacts)
			}
		})
	}
}

func TestRemoveContact(t *testing.T) {
	t.Parallel()
	p := stored(t)
	c, err := p.AddContact(ContactChanges{Key: val(KeyEmail), Value: val("third@example.com")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{p.Contacts[0].ID, p.Contacts[1].ID, c.ID}
	if err := p.RemoveContact(ids[1]); err != nil {
		t.Fatalf("RemoveContact: %v", err)
	}
	if len(p.Contacts) != 2 || p.Contacts[0].ID != ids[0] || p.Contacts[1].ID != ids[2] {
		t.Errorf("contacts after removal = %+v, want ids %s, %s", p.Contacts, ids[0], ids[2])
	}
	if err := p.RemoveContact(ids[1]); !errors.Is(err, ErrNotFound) {
		t.Errorf("second RemoveContact = %v, want ErrNotFound", err)
	}
	if err := p.RemoveContact("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoveContact(unknown) = %v, want ErrNotFound", err)
	}
	// A removed value may be added again.
	if _, err := p.AddContact(ContactChanges{Key: val(KeyPhone), Value: val("+9876543210")}, t0); err != nil {
		t.Errorf("re-adding a removed contact: %v", err)
	}
}

func TestRemoveContactFreesALimitSlot(t *testing.T) {
	t.Parallel()
	in := referenceInput()
	in.Contacts = phones(MaxContacts)
	p, err := New(in, t0)
	if err != nil {
		t.Fatal(err)
	}
	add := ContactChanges{Key: val(KeyEmail), Value: val("late@example.com")}
	var ce *ConflictError
	if _, err := p.AddContact(add, t0); !errors.As(err, &ce) {
		t.Fatalf("AddContact at the limit = %v, want *ConflictError", err)
	}
	if err := p.RemoveContact(p.Contacts[10].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddContact(add, t0); err != nil {
		t.Errorf("AddContact after a removal: %v", err)
	}
	if len(p.Contacts) != MaxContacts {
		t.Errorf("len(Contacts) = %d, want %d", len(p.Contacts), MaxContacts)
	}
}

func TestNewReportsDuplicateContactBesideOtherErrors(t *testing.T) {
	t.Parallel()
	in := referenceInput()
	in.FirstName = val(strings.Repeat("a", 256))
	in.Contacts = append(in.Contacts, ContactChanges{Key: val(KeyEmail), Value: val("client@email.com")})
	_, err := New(in, t0)
	want := []string{"firstName", "contacts[2].value"}
	if got := fieldsOf(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("error fields = %q, want %q", got, want)
	}
}
