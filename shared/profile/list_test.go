package profile

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// testID is a valid id made from n, so tests control the tie-break order.
func testID(n int) string { return fmt.Sprintf("%024x", n) }

func ptr[T any](v T) *T { return &v }

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	p := &Profile{ID: testID(1), FirstName: "Westley", MiddleName: "Ivanov", LastName: "Daniel", Enabled: true, UUID: "9ab"}
	noMiddle := &Profile{ID: testID(2), FirstName: "Mary", LastName: "Smith", Enabled: false}
	tests := []struct {
		name string
		f    Filter
		p    *Profile
		want bool
	}{
		{"empty filter", Filter{}, p, true},
		{"enabled true", Filter{Enabled: ptr(true)}, p, true},
		{"enabled false", Filter{Enabled: ptr(false)}, p, false},
		{"disabled matches false", Filter{Enabled: ptr(false)}, noMiddle, true},
		{"first name", Filter{FirstName: ptr("Westley")}, p, true},
		{"first name case", Filter{FirstName: ptr("wESTLEY")}, p, true},
		{"first name prefix", Filter{FirstName: ptr("West")}, p, false},
		{"first name longer", Filter{FirstName: ptr("Westleys")}, p, false},
		{"middle name", Filter{MiddleName: ptr("IVANOV")}, p, true},
		{"middle name absent", Filter{MiddleName: ptr("")}, noMiddle, true},
		{"middle name absent vs set", Filter{MiddleName: ptr("")}, p, false},
		{"last name", Filter{LastName: ptr("daniel")}, p, true},
		{"last name other", Filter{LastName: ptr("Smith")}, p, false},
		{"name", Filter{Name: ptr("Westley Ivanov Daniel")}, p, true},
		{"name case", Filter{Name: ptr("westley ivanov DANIEL")}, p, true},
		{"name part", Filter{Name: ptr("Westley Daniel")}, p, false},
		{"name without middle", Filter{Name: ptr("mary smith")}, noMiddle, true},
		{"uuid exact", Filter{UUID: ptr("9ab")}, p, true},
		{"uuid case differs", Filter{UUID: ptr("9AB")}, p, false},
		{"uuid prefix", Filter{UUID: ptr("9")}, p, false},
		{"uuid empty on unset", Filter{UUID: ptr("")}, noMiddle, true},
		{"all match", Filter{Enabled: ptr(true), FirstName: ptr("westley"), MiddleName: ptr("ivanov"), LastName: ptr("DANIEL"), Name: ptr("Westley Ivanov Daniel"), UUID: ptr("9ab")}, p, true},
		{"all but enabled", Filter{Enabled: ptr(false), FirstName: ptr("westley"), LastName: ptr("DANIEL"), UUID: ptr("9ab")}, p, false},
		{"all but uuid", Filter{Enabled: ptr(true), FirstName: ptr("westley"), UUID: ptr("9a")}, p, false},
		{"names one wrong", Filter{FirstName: ptr("Westley"), LastName: ptr("Ivanov")}, p, false},
	}
	for _, tt := range tests {
		if got := tt.f.Match(tt.p); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNameFilters(t *testing.T) {
	t.Parallel()
	f := Filter{FirstName: ptr("a"), LastName: ptr("b"), Name: ptr("c"), UUID: ptr("d"), Enabled: ptr(true)}
	want := []NameFilter{{"name", "c"}, {"lastName", "b"}, {"firstName", "a"}}
	if got := f.NameFilters(); !slices.Equal(got, want) {
		t.Errorf("NameFilters = %q, want %q", got, want)
	}
	if got := (Filter{}).NameFilters(); len(got) != 0 {
		t.Errorf("NameFilters of an empty filter = %q", got)
	}
}

func TestPageOf(t *testing.T) {
	t.Parallel()
	items := []string{"e", "b", "h", "a", "d", "j", "c", "g", "f", "i"} // a..j shuffled
	self := func(s string) string { return s }
	tests := []struct {
		name string
		pg   Page
		want []string
		more bool
		last string
	}{
		{"first page", Page{Limit: 3}, []string{"a", "b", "c"}, true, "c"},
		{"offset", Page{Limit: 3, Offset: 3}, []string{"d", "e", "f"}, true, "f"},
		{"exact end", Page{Limit: 3, Offset: 7}, []string{"h", "i", "j"}, false, "j"},
		{"short last page", Page{Limit: 3, Offset: 8}, []string{"i", "j"}, false, "j"},
		{"all", Page{Limit: 10}, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, false, "j"},
		{"more than all", Page{Limit: 100}, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, false, "j"},
		{"offset at end", Page{Limit: 3, Offset: 10}, []string{}, false, ""},
		{"offset past end", Page{Limit: 3, Offset: 50}, []string{}, false, ""},
		{"after", Page{Limit: 3, After: "c"}, []string{"d", "e", "f"}, true, "f"},
		{"after absent key", Page{Limit: 3, After: "cc"}, []string{"d", "e", "f"}, true, "f"},
		{"after last", Page{Limit: 3, After: "j"}, []string{}, false, ""},
		{"after before all", Page{Limit: 2, After: "0"}, []string{"a", "b"}, true, "b"},
		{"after and offset", Page{Limit: 2, Offset: 1, After: "c"}, []string{"e", "f"}, true, "f"},
		{"desc", Page{Limit: 3, Desc: true}, []string{"j", "i", "h"}, true, "h"},
		{"desc offset", Page{Limit: 4, Offset: 8, Desc: true}, []string{"b", "a"}, false, "a"},
		{"desc after", Page{Limit: 3, Desc: true, After: "h"}, []string{"g", "f", "e"}, true, "e"},
		{"desc after to end", Page{Limit: 3, Desc: true, After: "c"}, []string{"b", "a"}, false, "a"},
		{"desc after first", Page{Limit: 3, Desc: true, After: "a"}, []string{}, false, ""},
	}
	for _, tt := range tests {
		before := slices.Clone(items)
		res := PageOf(items, self, tt.pg)
		if !slices.Equal(res.Items, tt.want) || res.Items == nil || res.More != tt.more || res.Last != tt.last {
			t.Errorf("%s: PageOf = %q (nil %v), More %v, Last %q; want %q, %v, %q",
				tt.name, res.Items, res.Items == nil, res.More, res.Last, tt.want, tt.more, tt.last)
		}
		if !slices.Equal(items, before) {
			t.Fatalf("%s: PageOf reordered its input", tt.name)
		}
	}
	if res := PageOf([]string(nil), self, Page{Limit: 5}); res.Items == nil || len(res.Items) != 0 || res.More || res.Last != "" {
		t.Errorf("PageOf(nil) = %+v, want an empty page", res)
	}
}

func TestListContacts(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	p := &Profile{ID: testID(100), Contacts: []Contact{
		{ID: testID(5), Key: KeyPhone, Value: "+6421000002", CreateTime: at(1), UpdateTime: at(9)},
		{ID: testID(3), Key: KeyEmail, Value: "Bob@example.com", CreateTime: at(1), UpdateTime: at(5)},
		{ID: testID(4), Key: KeyEmail, Value: "alice@example.com", CreateTime: at(2), UpdateTime: at(5)},
		{ID: testID(1), Key: KeyPhone, Value: "+6421000001", CreateTime: at(3), UpdateTime: at(3)},
		{ID: testID(2), Key: KeyEmail, Value: "bob@example.com", CreateTime: at(4), UpdateTime: at(4)},
	}}
	email, phone, fax := KeyEmail, KeyPhone, "fax"
	tests := []struct {
		sortBy string
		key    *string
		desc   bool
		want   []int // ids by testID number
	}{
		{"createTime", nil, false, []int{3, 5, 4, 1, 2}},
		{"createTime", nil, true, []int{2, 1, 4, 5, 3}},
		{"updateTime", nil, false, []int{1, 2, 3, 4, 5}},
		{"key", nil, false, []int{2, 3, 4, 1, 5}},
		{"value", nil, false, []int{1, 5, 4, 2, 3}},
		{"value", nil, true, []int{3, 2, 4, 5, 1}},
		{"createTime", &email, false, []int{3, 4, 2}},
		{"value", &email, false, []int{4, 2, 3}},
		{"updateTime", &phone, true, []int{5, 1}},
		{"key", &phone, false, []int{1, 5}},
		{"createTime", &fax, false, []int{}},
	}
	for _, tt := range tests {
		res := ListContacts(p, ContactQuery{Page: Page{Limit: 10, SortBy: tt.sortBy, Desc: tt.desc}, Key: tt.key})
		got := make([]string, len(res.Items))
		for i, c := range res.Items {
			got[i] = c.ID
		}
		want := make([]string, len(tt.want))
		for i, n := range tt.want {
			want[i] = testID(n)
		}
		if !slices.Equal(got, want) {
			t.Errorf("sort %s key %v desc %v: got %v, want %v", tt.sortBy, deref(tt.key), tt.desc, got, want)
		}
		if res.More {
			t.Errorf("sort %s: More = true for a full page", tt.sortBy)
		}
	}
	for _, field := range ContactSortFields {
		// Every field pages by After without loss.
		var got []string
		pg := Page{Limit: 2, SortBy: field}
		for range 10 {
			res := ListContacts(p, ContactQuery{Page: pg})
			for _, c := range res.Items {
				got = append(got, c.ID)
			}
			if !res.More {
				break
			}
			pg.After = res.Last
		}
		all := ListContacts(p, ContactQuery{Page: Page{Limit: 10, SortBy: field}})
		var want []string
		for _, c := range all.Items {
			want = append(want, c.ID)
		}
		if !slices.Equal(got, want) || len(want) != len(p.Contacts) {
			t.Errorf("%s: paging by After gave %v, want %v", field, got, want)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
