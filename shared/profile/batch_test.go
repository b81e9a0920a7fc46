package profile

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func email(v string, more ...func(*ContactChanges)) ContactChanges {
	cc := ContactChanges{Key: Field[string]{Set: true, Value: KeyEmail}, Value: Field[string]{Set: true, Value: v}}
	for _, f := range more {
		f(&cc)
	}
	return cc
}

// TestUpsert: an upsert sets the fields it names, adds the contacts the
// profile lacks (compared as duplicates are), sets uuid and verified of
// those it holds, removes nothing, and reports no change (leaving the
// profile untouched) when the profile holds its values already.
func TestUpsert(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	later := t0.Add(time.Hour)
	verified := func(cc *ContactChanges) { cc.Verified = Field[bool]{Set: true, Value: true} }
	tests := []struct {
		name     string
		in       Input
		changed  bool
		contacts int
		check    func(t *testing.T, p *Profile)
	}{
		{"same fields", Input{Changes: Changes{LastName: Field[string]{Set: true, Value: "Smith"}}}, false, 2, nil},
		{"a field", Input{Changes: Changes{LastName: Field[string]{Set: true, Value: "Jones"}}}, true, 2, func(t *testing.T, p *Profile) {
			if p.LastName != "Jones" || !p.UpdateTime.Equal(later) || p.FirstName != "Mary" {
				t.Errorf("lastName %q, firstName %q, updateTime %v", p.LastName, p.FirstName, p.UpdateTime)
			}
		}},
		{"a held contact, other case", Input{Contacts: []ContactChanges{email("MARY@Example.com")}}, false, 2, nil},
		{"a new contact", Input{Contacts: []ContactChanges{email("new@example.com")}}, true, 3, func(t *testing.T, p *Profile) {
			if !p.UpdateTime.Equal(t0) || p.Contacts[2].Value != "new@example.com" || !p.Contacts[2].CreateTime.Equal(later) {
				t.Errorf("updateTime %v (a contact add keeps it), contact %+v", p.UpdateTime, p.Contacts[2])
			}
		}},
		{"verified on a held contact", Input{Contacts: []ContactChanges{email("mary@example.com", verified)}}, true, 2, func(t *testing.T, p *Profile) {
			if c := p.Contacts[0]; !c.Verified || c.Version != 2 || c.Value != "Mary@example.com" {
				t.Errorf("contact %+v, want verified at version 2, its value kept", c)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(Input{Changes: Changes{FirstName: Field[string]{Set: true, Value: "Mary"}, LastName: Field[string]{Set: true, Value: "Smith"}},
				Contacts: []ContactChanges{email("Mary@example.com"), {Key: Field[string]{Set: true, Value: KeyPhone}, Value: Field[string]{Set: true, Value: "+15550001111"}}}}, t0)
			if err != nil {
				t.Fatal(err)
			}
			before := p.Clone()
			changed, err := p.Upsert(tc.in, later)
			if err != nil || changed != tc.changed || len(p.Contacts) != tc.contacts {
				t.Fatalf("changed %v, err %v, %d contacts; want %v, nil, %d", changed, err, len(p.Contacts), tc.changed, tc.contacts)
			}
			if !changed && fmt.Sprint(p) != fmt.Sprint(before) {
				t.Errorf("no change reported, but the profile moved:\n%+v\n%+v", before, p)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}

	full := &Profile{}
	for i := range MaxContacts {
		full.Contacts = append(full.Contacts, Contact{ID: fmt.Sprint(i), Key: KeyEmail, Value: fmt.Sprintf("c%d@example.com", i)})
	}
	var ce *ConflictError
	if _, err := full.Upsert(Input{Contacts: []ContactChanges{email("one-more@example.com")}}, later); !errors.As(err, &ce) || len(full.Contacts) != MaxContacts {
		t.Errorf("a 51st contact: %v, %d contacts; want a ConflictError and 50", err, len(full.Contacts))
	}
}

// TestBatchDuplicates: an item that looks up what an earlier item looks up
// or gives, gives what an earlier one looks up, or gives an earlier one's
// uuid, names that item; items that cannot meet the same profile do not.
func TestBatchDuplicates(t *testing.T) {
	t.Parallel()
	up := func(match, value string, gives ...string) *batchItem {
		b := &batchItem{match: match, looks: match + ":" + value, gives: gives}
		if match == MatchID {
			b.gives = append(b.gives, b.looks)
		}
		return b
	}
	create := func(gives ...string) *batchItem { return &batchItem{gives: gives} }
	tests := []struct {
		name  string
		items []*batchItem
		want  []int
	}{
		{"same match", []*batchItem{up(MatchEmail, "a@x.io", "email:a@x.io"), up(MatchEmail, "a@x.io", "email:a@x.io")}, []int{-1, 0}},
		{"looks up what a create gives", []*batchItem{create("email:a@x.io"), up(MatchEmail, "a@x.io", "email:a@x.io")}, []int{-1, 0}},
		{"gives what an upsert looks up", []*batchItem{up(MatchPhone, "+15550001111"), create("phone:+15550001111")}, []int{-1, 0}},
		{"same uuid given", []*batchItem{create("uuid:u"), up(MatchID, "0123456789abcdef01234567", "uuid:u")}, []int{-1, 0}},
		{"same id", []*batchItem{up(MatchID, "0123456789abcdef01234567"), up(MatchID, "0123456789abcdef01234567")}, []int{-1, 0}},
		{"two creates of one email", []*batchItem{create("email:a@x.io"), create("email:a@x.io")}, []int{-1, -1}},
		{"two ids, one email", []*batchItem{up(MatchID, "0123456789abcdef01234567", "email:a@x.io"), up(MatchID, "0123456789abcdef01234568", "email:a@x.io")}, []int{-1, -1}},
		{"an invalid item claims nothing", []*batchItem{nil, up(MatchUUID, "u")}, []int{-1, -1}},
		{"a refused item claims nothing", []*batchItem{up(MatchUUID, "u"), up(MatchUUID, "u", "email:b@x.io"), create("email:b@x.io")}, []int{-1, 0, -1}},
	}
	for _, tc := range tests {
		got := duplicates(tc.items)
		for i, d := range got {
			if d.at != tc.want[i] {
				t.Errorf("%s: item %d meets item %d (%s), want %d", tc.name, i, d.at, d.key, tc.want[i])
			}
		}
	}
}
