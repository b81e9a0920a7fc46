package profile

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testID is a valid id made from n, so tests control the tie-break order.
func testID(n int) string { return fmt.Sprintf("%024x", n) }

// nameValues mixes case, prefixes of each other, low punctuation, spaces and
// non-ASCII so orderings have ties and near-ties.
var nameValues = []string{"", "", "ann", "Ann", "ANNA", "anna", "ann b", "ann!", "Ann-Marie", "b", "B", "Émile", "émile", "zoë", "Zoe", "o'neil", "ann\u00a0b"}

// randomProfiles returns n profiles with unique ids in random order and
// values drawn from small sets, so every sort field has ties.
func randomProfiles(r *rand.Rand, n int) []Profile {
	ids := r.Perm(n * 3)[:n]
	out := make([]Profile, n)
	for i := range out {
		pick := func() string { return nameValues[r.IntN(len(nameValues))] }
		ct := t0.Add(time.Duration(r.IntN(4)) * time.Second)
		out[i] = Profile{
			ID:         testID(ids[i] + 1),
			FirstName:  pick(),
			MiddleName: pick(),
			LastName:   pick(),
			Enabled:    r.IntN(2) == 0,
			UUID:       []string{"", "u1", "U1"}[r.IntN(3)],
			CreateTime: ct,
			UpdateTime: ct.Add(time.Duration(r.IntN(3)) * time.Hour),
		}
	}
	return out
}

// wantOrder compares two profiles as the API promises to order them for
// field: by the case-folded value (absent first, false before true), then id.
func wantOrder(field string) func(a, b Profile) int {
	text := func(get func(*Profile) string) func(a, b Profile) int {
		return func(a, b Profile) int {
			return cmp.Or(strings.Compare(strings.ToLower(get(&a)), strings.ToLower(get(&b))), strings.Compare(a.ID, b.ID))
		}
	}
	switch field {
	case "createTime":
		return func(a, b Profile) int { return cmp.Or(a.CreateTime.Compare(b.CreateTime), strings.Compare(a.ID, b.ID)) }
	case "updateTime":
		return func(a, b Profile) int { return cmp.Or(a.UpdateTime.Compare(b.UpdateTime), strings.Compare(a.ID, b.ID)) }
	case "enabled":
		rank := func(b bool) int {
			if b {
				return 1
			}
			return 0
		}
		return func(a, b Profile) int {
			return cmp.Or(cmp.Compare(rank(a.Enabled), rank(b.Enabled)), strings.Compare(a.ID, b.ID))
		}
	case "firstName":
		return text(func(p *Profile) string { return p.FirstName })
	case "middleName":
		return text(func(p *Profile) string { return p.MiddleName })
	case "lastName":
		return text(func(p *Profile) string { return p.LastName })
	case "name":
		return text((*Profile).Name)
	case "profileId":
		return func(a, b Profile) int { return strings.Compare(a.ID, b.ID) }
	}
	panic("no order for " + field)
}

func ids(ps []Profile) []string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = ps[i].ID
	}
	return out
}

func TestSortKeyOrder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	ps := randomProfiles(r, 300)
	for _, field := range ProfileSortFields {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			byKey := slices.Clone(ps)
			slices.SortFunc(byKey, func(a, b Profile) int { return strings.Compare(SortKey(field, &a), SortKey(field, &b)) })
			want := slices.Clone(ps)
			slices.SortFunc(want, wantOrder(field))
			if got, w := ids(byKey), ids(want); !slices.Equal(got, w) {
				for i := range got {
					if got[i] != w[i] {
						t.Fatalf("position %d: key order gives %+v, want %+v", i, byKey[i], want[i])
					}
				}
			}
			seen := map[string]bool{}
			for i := range ps {
				k := SortKey(field, &ps[i])
				if seen[k] {
					t.Fatalf("sort key %q is not unique", k)
				}
				seen[k] = true
			}
		})
	}
}

func TestSortKeyPairs(t *testing.T) {
	t.Parallel()
	// Each pair is (lower, higher): the first must sort before the second
	// even though its id is the larger one.
	hi, lo := testID(2), testID(1)
	tests := []struct {
		field string
		a, b  Profile
	}{
		{"firstName", Profile{ID: hi}, Profile{ID: lo, FirstName: "!"}},
		{"firstName", Profile{ID: hi, FirstName: "ann"}, Profile{ID: lo, FirstName: "ann!"}},
		{"firstName", Profile{ID: hi, FirstName: "ann"}, Profile{ID: lo, FirstName: "Ann b"}},
		{"firstName", Profile{ID: hi, FirstName: "ANN"}, Profile{ID: lo, FirstName: "anna"}},
		{"firstName", Profile{ID: hi, FirstName: "Apple"}, Profile{ID: lo, FirstName: "banana"}},
		{"middleName", Profile{ID: hi}, Profile{ID: lo, MiddleName: " "}},
		{"lastName", Profile{ID: hi, LastName: "smith"}, Profile{ID: lo, LastName: "Smithers"}},
		{"name", Profile{ID: hi}, Profile{ID: lo, LastName: "a"}},
		{"name", Profile{ID: hi, FirstName: "Mary"}, Profile{ID: lo, FirstName: "mary", LastName: "Smith"}},
		{"enabled", Profile{ID: hi, Enabled: false}, Profile{ID: lo, Enabled: true}},
		{"createTime", Profile{ID: hi, CreateTime: t0}, Profile{ID: lo, CreateTime: t0.Add(time.Second)}},
		{"createTime", Profile{ID: hi, CreateTime: t0.In(time.FixedZone("A", 5*3600))}, Profile{ID: lo, CreateTime: t0.Add(time.Hour).In(time.FixedZone("B", -5*3600))}},
		{"updateTime", Profile{ID: hi, UpdateTime: t0.Add(-time.Second)}, Profile{ID: lo, UpdateTime: t0}},
		// Ties fall back to the id.
		{"firstName", Profile{ID: lo, FirstName: "ANNA"}, Profile{ID: hi, FirstName: "anna"}},
		{"enabled", Profile{ID: lo, Enabled: true}, Profile{ID: hi, Enabled: true}},
		{"createTime", Profile{ID: lo, CreateTime: t0}, Profile{ID: hi, CreateTime: t0}},
		{"profileId", Profile{ID: lo, FirstName: "z"}, Profile{ID: hi, FirstName: "a"}},
	}
	for _, tt := range tests {
		ka, kb := SortKey(tt.field, &tt.a), SortKey(tt.field, &tt.b)
		if ka >= kb {
			t.Errorf("SortKey(%s): %q does not sort before %q", tt.field, ka, kb)
		}
	}
}

func TestSortKeyUnknownFieldPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("SortKey with an unknown field did not panic")
		}
	}()
	SortKey("uuid", &Profile{})
}

func TestSortKeyLengthLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rune string
	}{
		{"four-byte", "😀"},
		{"three-byte", "€"},
		{"two-byte", "é"},
		{"one-byte", "a"},
		{"lower-casing grows", "İ"}, // 2 bytes, lower-cases to 3
	}
	for _, tt := range tests {
		for _, lead := range []string{"", "a", "ab", "abc"} {
			long := lead + strings.Repeat(tt.rune, MaxNameLen-len(lead))
			if utf8.RuneCountInString(long) != MaxNameLen {
				t.Fatalf("test value has %d runes", utf8.RuneCountInString(long))
			}
			p := &Profile{ID: testID(7), FirstName: long, MiddleName: long, LastName: long}
			for _, field := range []string{"firstName", "middleName", "lastName", "name"} {
				k := SortKey(field, p)
				if len(k) >= 1024 {
					t.Errorf("%s/%q: len(SortKey(%s)) = %d, want < 1024", tt.name, lead, field, len(k))
				}
				if !utf8.ValidString(k) {
					t.Errorf("%s/%q: SortKey(%s) is not valid UTF-8", tt.name, lead, field)
				}
				if !strings.HasSuffix(k, keySep+p.ID) {
					t.Errorf("%s/%q: SortKey(%s) does not end with the id", tt.name, lead, field)
				}
			}
			lower, folded := strings.ToLower(p.Name()), Fold(p.Name())
			switch {
			case !utf8.ValidString(folded) || !strings.HasPrefix(lower, folded):
				t.Errorf("%s/%q: Fold is not a valid prefix of the lower-cased name", tt.name, lead)
			case len(lower) <= 900 && folded != lower:
				t.Errorf("%s/%q: Fold cut a name of %d bytes", tt.name, lead, len(lower))
			case len(lower) > 900 && (len(folded) > 900 || len(folded) < 900-3):
				t.Errorf("%s/%q: len(Fold(name)) = %d, want the longest rune-aligned prefix of at most 900 bytes", tt.name, lead, len(folded))
			}
		}
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Mary Jane SMITH", "mary jane smith"},
		{"ÉMILE", "émile"},
		{strings.Repeat("A", 900), strings.Repeat("a", 900)},
		{strings.Repeat("A", 901), strings.Repeat("a", 900)},
		{"a" + strings.Repeat("😀", 300), "a" + strings.Repeat("😀", 224)}, // 1+4*224 = 897
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%.20q…) = %.20q… (len %d), want len %d", tt.in, got, len(got), len(tt.want))
		}
	}
}

func TestEqualPrefix(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Ω", 255)
	longer := strings.Repeat("𐐀", 255) // 4 bytes a rune, lower-cases to 𐐨
	tests := []struct {
		stored, query string
		match         bool
	}{
		{"Anna", "anna", true},
		{"Anna", "ANNA", true},
		{"anna", "Anna", true},
		{"Émile", "émile", true},
		{"", "", true},
		{long, strings.ToLower(long), true},
		{longer, strings.ToLower(longer), true},
		{strings.Repeat("😀", 255), strings.Repeat("😀", 255), true},
		{"Anna", "ann", false},
		{"Ann", "anna", false},
		{"Ann B", "ann", false},
		{"Ann", "", false},
		{"", "a", false},
		{"Anna", "nna", false},
	}
	for _, tt := range tests {
		prefix := EqualPrefix(tt.query)
		for _, field := range []string{"firstName", "middleName", "lastName", "name"} {
			p := &Profile{ID: testID(3)}
			switch field {
			case "firstName", "name":
				p.FirstName = tt.stored
			case "middleName":
				p.MiddleName = tt.stored
			case "lastName":
				p.LastName = tt.stored
			}
			if got := strings.HasPrefix(SortKey(field, p), prefix); got != tt.match {
				t.Errorf("%s %q: SortKey has prefix EqualPrefix(%q) = %v, want %v", field, tt.stored, tt.query, got, tt.match)
			}
		}
	}
	// A full name is matched as a whole.
	p := &Profile{ID: testID(4), FirstName: "Mary", MiddleName: "Jane", LastName: "Smith"}
	if !strings.HasPrefix(SortKey("name", p), EqualPrefix("mary jane smith")) {
		t.Error("name key does not start with EqualPrefix of the full name")
	}
	if strings.HasPrefix(SortKey("name", p), EqualPrefix("mary jane")) {
		t.Error("name key starts with EqualPrefix of part of the name")
	}
}

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
	want := [][2]string{{"name", "c"}, {"lastName", "b"}, {"firstName", "a"}}
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

// TestPageOfWalk pages through random profiles by After and checks every
// profile comes exactly once, in order, for each sort field and order.
func TestPageOfWalk(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		ps := randomProfiles(r, 1+r.IntN(60))
		for _, field := range ProfileSortFields {
			for _, desc := range []bool{false, true} {
				limit := 1 + r.IntN(12)
				key := func(p Profile) string { return SortKey(field, &p) }
				want := slices.Clone(ps)
				slices.SortFunc(want, wantOrder(field))
				if desc {
					slices.Reverse(want)
				}
				var got []Profile
				pg := Page{Limit: limit, SortBy: field, Desc: desc}
				for pages := 0; ; pages++ {
					if pages > len(ps)+1 {
						t.Fatalf("round %d %s desc=%v: paging does not end", round, field, desc)
					}
					res := PageOf(ps, key, pg)
					if len(res.Items) > limit {
						t.Fatalf("page of %d items, limit %d", len(res.Items), limit)
					}
					if len(res.Items) > 0 && res.Last != key(res.Items[len(res.Items)-1]) {
						t.Fatalf("Last = %q, want the key of the last item", res.Last)
					}
					got = append(got, res.Items...)
					if !res.More {
						break
					}
					if len(res.Items) != limit {
						t.Fatalf("More with a short page of %d (limit %d)", len(res.Items), limit)
					}
					pg.After = res.Last
				}
				if g, w := ids(got), ids(want); !slices.Equal(g, w) {
					t.Fatalf("round %d %s desc=%v limit %d: walked %d ids %v,\nwant %d ids %v", round, field, desc, limit, len(g), g, len(w), w)
				}
			}
		}
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
