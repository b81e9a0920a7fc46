package profile

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		first, middle, last string
		want                string
	}{
		{"Mary", "Jane", "Smith", "Mary Jane Smith"},
		{"Mary", "", "Smith", "Mary Smith"},
		{"", "Jane", "Smith", "Jane Smith"},
		{"Mary", "Jane", "", "Mary Jane"},
		{"Mary", "", "", "Mary"},
		{"", "", "Smith", "Smith"},
		{"", "Jane", "", "Jane"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		p := &Profile{FirstName: tt.first, MiddleName: tt.middle, LastName: tt.last}
		if got := p.Name(); got != tt.want {
			t.Errorf("Name() of (%q, %q, %q) = %q, want %q", tt.first, tt.middle, tt.last, got, tt.want)
		}
	}
}

var idShape = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestNewIDShapeAndTimePrefix(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2021, 1, 19, 13, 14, 10, 999, time.UTC),
		time.Date(2035, 6, 30, 23, 59, 59, 0, time.FixedZone("X", -7*3600)),
		time.Unix(0, 0),
	}
	for _, now := range times {
		id := NewID(now)
		if !idShape.MatchString(id) {
			t.Errorf("NewID(%v) = %q, want 24 lowercase hex characters", now, id)
			continue
		}
		if !ValidID(id) {
			t.Errorf("ValidID(NewID(%v) = %q) = false", now, id)
		}
		secs, err := strconv.ParseUint(id[:8], 16, 32)
		if err != nil {
			t.Fatalf("prefix of %q: %v", id, err)
		}
		if int64(secs) != now.Unix() {
			t.Errorf("NewID(%v) prefix = %d seconds, want %d", now, secs, now.Unix())
		}
	}
	// The reference's example id starts with 2021-01-19T13:14:10Z.
	if got := NewID(time.Unix(0x6006dda2, 0))[:8]; got != "6006dda2" {
		t.Errorf("prefix = %q, want 6006dda2", got)
	}
}

func TestNewIDSortsInCreationOrderWithinOneSecond(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = NewID(now)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Fatalf("ids[%d] = %q is not below ids[%d] = %q", i-1, ids[i-1], i, ids[i])
		}
	}
	// A later second sorts after every id of an earlier one.
	later := NewID(now.Add(time.Second))
	if later <= ids[len(ids)-1] {
		t.Errorf("id of a later second %q does not sort after %q", later, ids[len(ids)-1])
	}
	if !slices.IsSorted(ids) {
		t.Error("ids are not sorted")
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"6006dda272f002519c3eb505", true},
		{"000000000000000000000000", true},
		{"abcdefabcdefabcdefabcdef", true},
		{"", false},
		{"6006dda272f002519c3eb50", false},   // 23
		{"6006dda272f002519c3eb5055", false}, // 25
		{"6006DDA272F002519C3EB505", false},  // upper case
		{"6006dda272f002519c3eb50g", false},
		{"6006dda272f002519c3eb50 ", false},
		{"6006dda2-2f002519c3eb505", false},
		{"6006dda272f002519c3eb5é", false}, // 24 bytes, not hex
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), "2021-01-01T00:00:00+00:00"},
		{time.Date(2021, 1, 1, 0, 0, 0, 999999999, time.UTC), "2021-01-01T00:00:00+00:00"},
		{time.Date(2021, 1, 1, 2, 0, 0, 0, time.FixedZone("EET", 2*3600)), "2021-01-01T00:00:00+00:00"},
		{time.Date(2020, 12, 31, 19, 0, 0, 0, time.FixedZone("EST", -5*3600)), "2021-01-01T00:00:00+00:00"},
		{time.Date(2021, 6, 15, 12, 30, 45, 0, time.FixedZone("NZST", 12*3600)), "2021-06-15T00:30:45+00:00"},
		{time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), "1999-12-31T23:59:59+00:00"},
	}
	for _, tt := range tests {
		got := FormatTime(tt.in)
		if got != tt.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := ParseTime(got)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", got, err)
		} else if !back.Equal(tt.in.Truncate(time.Second)) {
			t.Errorf("ParseTime(%q) = %v, want %v", got, back, tt.in.Truncate(time.Second))
		}
	}
}

func TestPrimary(t *testing.T) {
	t.Parallel()
	p := &Profile{Contacts: []Contact{
		{ID: "c1", Key: KeyPhone, Value: "+6421000001"},
		{ID: "c2", Key: KeyEmail, Value: "b@example.com"},
		{ID: "c3", Key: KeyEmail, Value: "a@example.com"},
		{ID: "c4", Key: KeyPhone, Value: "+6421000000"},
	}}
	tests := []struct {
		key    string
		wantID string
	}{
		{KeyEmail, "c2"},
		{KeyPhone, "c1"},
		{"fax", ""},
	}
	for _, tt := range tests {
		got := p.Primary(tt.key)
		switch {
		case tt.wantID == "" && got != nil:
			t.Errorf("Primary(%q) = %+v, want nil", tt.key, got)
		case tt.wantID != "" && (got == nil || got.ID != tt.wantID):
			t.Errorf("Primary(%q) = %+v, want contact %s", tt.key, got, tt.wantID)
		}
	}
	if got := (&Profile{}).Primary(KeyEmail); got != nil {
		t.Errorf("Primary on a profile without contacts = %+v, want nil", got)
	}
	// It points into the profile, not at a copy.
	if c := p.Primary(KeyEmail); c != &p.Contacts[1] {
		t.Error("Primary does not return a pointer into Contacts")
	}
}
