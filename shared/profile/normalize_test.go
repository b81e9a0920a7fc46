package profile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Precomposed and decomposed spellings of one name: é is U+00E9, or e then
// U+0301 COMBINING ACUTE ACCENT.
const (
	josePrecomposed = "Jos\u00e9"
	joseDecomposed  = "Jose\u0301"
)

// TestNamesAreStoredInNFC: a name is kept in Unicode NFC whatever
// spelling it came in, so the two spellings of one name are one value; the
// joiners some scripts need stay.
func TestNamesAreStoredInNFC(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, in, want string }{
		{"decomposed", joseDecomposed, josePrecomposed},
		{"precomposed", josePrecomposed, josePrecomposed},
		{"decomposed Hangul", "\u1112\u1161\u11ab", "\ud55c"},
		{"Persian with ZWNJ", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"},
		{"255 runes once composed", strings.Repeat("e\u0301", 255), strings.Repeat("\u00e9", 255)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := referenceInput()
			in.FirstName, in.LastName = val(tt.in), val(tt.in)
			p, err := New(in, t0)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if p.FirstName != tt.want || p.LastName != tt.want {
				t.Errorf("names %q, %q; want %q", p.FirstName, p.LastName, tt.want)
			}
		})
	}
}

// TestNamesRefuseInvisibleCharacters: invisible, direction-changing,
// private-use and unassigned characters in a name are a 400 naming the
// field, in every name field and the user's.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, r string }{
		{"zero width space", "\u200b"},
		{"word joiner", "\u2060"},
		{"byte order mark", "\ufeff"},
		{"soft hyphen", "\u00ad"},
		{"Hangul filler", "\u3164"},
		{"left-to-right embedding", "\u202a"},
		{"right-to-left override", "\u202e"},
		{"left-to-right isolate", "\u2066"},
		{"pop directional isolate", "\u2069"},
		{"left-to-right mark", "\u200e"},
		{"right-to-left mark", "\u200f"},
		{"Arabic letter mark", "\u061c"},
		{"private use", "\ue000"},
		{"supplementary private use", "\U000F0000"},
		{"unassigned", "\u0378"},
		{"tag character", "\U000E0041"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, field := range []string{"firstName", "middleName", "lastName"} {
				in := referenceInput()
				bad := val("Ma" + tt.r + "ry")
				switch field {
				case "firstName":
					in.FirstName = bad
				case "middleName":
					in.MiddleName = bad
				case "lastName":
					in.LastName = bad
				}
				_, err := New(in, t0)
				if got := fieldsOf(t, err); !reflect.DeepEqual(got, []string{field}) {
					t.Errorf("%s with %U: error fields %q, want [%s]", field, []rune(tt.r)[0], got, field)
				}
			}
			_, err := NewForUser("u-1", UserChanges{GivenName: val("Jo" + tt.r + "hn")}, t0)
			if got := fieldsOf(t, err); !reflect.DeepEqual(got, []string{"givenName"}) {
				t.Errorf("givenName: error fields %q", got)
			}
		})
	}
}

// TestEmailNormalForm: an address is kept in NFC with its domain
// IDNA-normalised (UTS #46 lookup: mapped, lower-cased) and shown as
// Unicode, so every spelling of one address is one value.
func TestEmailNormalForm(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"bob@EX\u00c4MPLE.com", "bob@ex\u00e4mple.com", true},
		{"bob@xn--exmple-cua.com", "bob@ex\u00e4mple.com", true},
		{"bob@XN--EXMPLE-CUA.COM", "bob@ex\u00e4mple.com", true},
		{"bob@exa\u0308mple.com", "bob@ex\u00e4mple.com", true},
		{"jose\u0301@example.com", "jos\u00e9@example.com", true},
		{"Jos\u00e9@Example.COM", "Jos\u00e9@example.com", true},
		{"plain@example.com", "plain@example.com", true},
		{"bob@xn--zz.com", "", false},             // not Punycode of anything
		{"bob@xn--exmple-cua-.com", "", false},    // a label ending in a hyphen
		{"b\u200bob@example.com", "", false},      // an invisible character in the local part
		{"b\u202eob@example.com", "", false},      // a direction override in the local part
		{"bob\u00a0smith@example.com", "", false}, // a space that is not ASCII
		{"bob@ex\u00e4mple\u202e.com", "", false}, // and in the domain
	} {
		got, ok := NormalizeEmail(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%+q) = %+q, %v; want %+q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestOneAddressOneContact: two spellings of one address (composed and
// decomposed, Unicode and A-label domain) are a duplicate contact, a
// conflict, and filter[email] of either finds it.
func TestOneAddressOneContact(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, first, second string }{
		{"precomposed then decomposed", "jos\u00e9@example.com", "jose\u0301@example.com"},
		{"decomposed then precomposed", "jose\u0301@example.com", "jos\u00e9@example.com"},
		{"Unicode then A-label", "bob@EX\u00c4MPLE.com", "bob@xn--exmple-cua.com"},
		{"A-label then Unicode", "bob@xn--exmple-cua.com", "bob@ex\u00e4mple.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := stored(t)
			if _, err := p.AddContact(ContactChanges{Key: val(KeyEmail), Value: val(tt.first)}, t0); err != nil {
				t.Fatal(err)
			}
			_, err := p.AddContact(ContactChanges{Key: val(KeyEmail), Value: val(tt.second)}, t0)
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Errorf("the second spelling: %v, want a conflict", err)
			}
			in := referenceInput()
			in.Contacts = []ContactChanges{{Key: val(KeyEmail), Value: val(tt.first)}, {Key: val(KeyEmail), Value: val(tt.second)}}
			if _, err := New(in, t0); !reflect.DeepEqual(fieldsOf(t, err), []string{"contacts[1].value"}) {
				t.Errorf("both in one create: %v", err)
			}
			for _, spelling := range []string{tt.first, tt.second} {
				norm, ok := NormalizeEmail(spelling)
				if !ok || !(Filter{Email: &norm}).Match(p) {
					t.Errorf("filter[email]=%+q (%+q, %v) does not find the contact", spelling, norm, ok)
				}
			}
		})
	}
}

// TestNameFiltersCompareNormalised: a name filter matches the stored name
// whichever Unicode spelling either has.
func TestNameFiltersCompareNormalised(t *testing.T) {
	t.Parallel()
	composed := &Profile{ID: testID(1), FirstName: josePrecomposed, LastName: "M\u00fcller", Enabled: true}
	for _, tt := range []struct {
		name string
		f    Filter
	}{
		{"first name decomposed", Filter{FirstName: ptr(joseDecomposed)}},
		{"first name decomposed, other case", Filter{FirstName: ptr("JOSE\u0301")}},
		{"last name decomposed", Filter{LastName: ptr("Mu\u0308ller")}},
		{"name decomposed", Filter{Name: ptr(joseDecomposed + " Mu\u0308ller")}},
	} {
		if !tt.f.Match(composed) {
			t.Errorf("%s: no match", tt.name)
		}
	}
	if !SameContactValue(KeyEmail, "jos\u00e9@example.com", "JOSE\u0301@example.com") {
		t.Error("SameContactValue: the two spellings of one address differ")
	}
}
