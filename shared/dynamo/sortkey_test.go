package dynamo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/profiles-service/profiles/shared/profile"
)

// The list indexes' sort keys: their order is the API's, total, and within
// DynamoDB's limits.

var t0 = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// testID is a valid id made from n, so tests control the tie-break order.
func testID(n int) string { return fmt.Sprintf("%024x", n) }

// nameValues mixes case, prefixes of each other, low punctuation, spaces and
// non-ASCII so orderings have ties and near-ties.
var nameValues = []string{"", "", "ann", "Ann", "ANNA", "anna", "ann b", "ann!", "Ann-Marie", "b", "B", "Émile", "émile", "zoë", "Zoe", "o'neil", "ann\u00a0b"}

// randomProfiles returns n profiles with unique ids in random order and
// values drawn from small sets, so every sort field has ties.
func randomProfiles(r *rand.Rand, n int) []profile.Profile {
	ids := r.Perm(n * 3)[:n]
	out := make([]profile.Profile, n)
	for i := range out {
		pick := func() string { return nameValues[r.IntN(len(nameValues))] }
		ct := t0.Add(time.Duration(r.IntN(4)) * time.Second)
		out[i] = profile.Profile{
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
func wantOrder(field string) func(a, b profile.Profile) int {
	text := func(get func(*profile.Profile) string) func(a, b profile.Profile) int {
		return func(a, b profile.Profile) int {
			return cmp.Or(strings.Compare(strings.ToLower(get(&a)), strings.ToLower(get(&b))), strings.Compare(a.ID, b.ID))
		}
	}
	switch field {
	case "createTime":
		return func(a, b profile.Profile) int {
			return cmp.Or(a.CreateTime.Compare(b.CreateTime), strings.Compare(a.ID, b.ID))
		}
	case "updateTime":
		return func(a, b profile.Profile) int {
			return cmp.Or(a.UpdateTime.Compare(b.UpdateTime), strings.Compare(a.ID, b.ID))
		}
	case "enabled":
		rank := func(b bool) int {
			if b {
				return 1
			}
			return 0
		}
		return func(a, b profile.Profile) int {
			return cmp.Or(cmp.Compare(rank(a.Enabled), rank(b.Enabled)), strings.Compare(a.ID, b.ID))
		}
	case "firstName":
		return text(func(p *profile.Profile) string { return p.FirstName })
	case "middleName":
		return text(func(p *profile.Profile) string { return p.MiddleName })
	case "lastName":
		return text(func(p *profile.Profile) string { return p.LastName })
	case "name":
		return text((*profile.Profile).Name)
	case "profileId":
		return func(a, b profile.Profile) int { return strings.Compare(a.ID, b.ID) }
	}
	panic("no order for " + field)
}

func ids(ps []profile.Profile) []string {
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
	for _, field := range profile.ProfileSortFields {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			byKey := slices.Clone(ps)
			slices.SortFunc(byKey, func(a, b profile.Profile) int { return strings.Compare(sortKey(field, &a), sortKey(field, &b)) })
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
				k := sortKey(field, &ps[i])
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
		a, b  profile.Profile
	}{
		{"firstName", profile.Profile{ID: hi}, profile.Profile{ID: lo, FirstName: "!"}},
		{"firstName", profile.Profile{ID: hi, FirstName: "ann"}, profile.Profile{ID: lo, FirstName: "ann!"}},
		{"firstName", profile.Profile{ID: hi, FirstName: "ann"}, profile.Profile{ID: lo, FirstName: "Ann b"}},
		{"firstName", profile.Profile{ID: hi, FirstName: "ANN"}, profile.Profile{ID: lo, FirstName: "anna"}},
		{"firstName", profile.Profile{ID: hi, FirstName: "Apple"}, profile.Profile{ID: lo, FirstName: "banana"}},
		{"middleName", profile.Profile{ID: hi}, profile.Profile{ID: lo, MiddleName: " "}},
		{"lastName", profile.Profile{ID: hi, LastName: "smith"}, profile.Profile{ID: lo, LastName: "Smithers"}},
		{"name", profile.Profile{ID: hi}, profile.Profile{ID: lo, LastName: "a"}},
		{"name", profile.Profile{ID: hi, FirstName: "Mary"}, profile.Profile{ID: lo, FirstName: "mary", LastName: "Smith"}},
		{"enabled", profile.Profile{ID: hi, Enabled: false}, profile.Profile{ID: lo, Enabled: true}},
		{"createTime", profile.Profile{ID: hi, CreateTime: t0}, profile.Profile{ID: lo, CreateTime: t0.Add(time.Second)}},
		{"createTime", profile.Profile{ID: hi, CreateTime: t0.In(time.FixedZone("A", 5*3600))}, profile.Profile{ID: lo, CreateTime: t0.Add(time.Hour).In(time.FixedZone("B", -5*3600))}},
		{"updateTime", profile.Profile{ID: hi, UpdateTime: t0.Add(-time.Second)}, profile.Profile{ID: lo, UpdateTime: t0}},
		// Ties fall back to the id.
		{"firstName", profile.Profile{ID: lo, FirstName: "ANNA"}, profile.Profile{ID: hi, FirstName: "anna"}},
		{"enabled", profile.Profile{ID: lo, Enabled: true}, profile.Profile{ID: hi, Enabled: true}},
		{"createTime", profile.Profile{ID: lo, CreateTime: t0}, profile.Profile{ID: hi, CreateTime: t0}},
		{"profileId", profile.Profile{ID: lo, FirstName: "z"}, profile.Profile{ID: hi, FirstName: "a"}},
	}
	for _, tt := range tests {
		ka, kb := sortKey(tt.field, &tt.a), sortKey(tt.field, &tt.b)
		if ka >= kb {
			t.Errorf("sortKey(%s): %q does not sort before %q", tt.field, ka, kb)
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
	sortKey("uuid", &profile.Profile{})
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
			long := lead + strings.Repeat(tt.rune, profile.MaxNameLen-len(lead))
			if utf8.RuneCountInString(long) != profile.MaxNameLen {
				t.Fatalf("test value has %d runes", utf8.RuneCountInString(long))
			}
			p := &profile.Profile{ID: testID(7), FirstName: long, MiddleName: long, LastName: long}
			for _, field := range []string{"firstName", "middleName", "lastName", "name"} {
				k := sortKey(field, p)
				if len(k) >= 1024 {
					t.Errorf("%s/%q: len(sortKey(%s)) = %d, want < 1024", tt.name, lead, field, len(k))
				}
				if !utf8.ValidString(k) {
					t.Errorf("%s/%q: sortKey(%s) is not valid UTF-8", tt.name, lead, field)
				}
				if !strings.HasSuffix(k, keySep+p.ID) {
					t.Errorf("%s/%q: sortKey(%s) does not end with the id", tt.name, lead, field)
				}
			}
			lower, folded := strings.ToLower(p.Name()), foldKey(p.Name())
			switch {
			case !utf8.ValidString(folded) || !strings.HasPrefix(lower, folded):
				t.Errorf("%s/%q: foldKey is not a valid prefix of the lower-cased name", tt.name, lead)
			case len(lower) <= 900 && folded != lower:
				t.Errorf("%s/%q: foldKey cut a name of %d bytes", tt.name, lead, len(lower))
			case len(lower) > 900 && (len(folded) > 900 || len(folded) < 900-3):
				t.Errorf("%s/%q: len(foldKey(name)) = %d, want the longest rune-aligned prefix of at most 900 bytes", tt.name, lead, len(folded))
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
		if got := foldKey(tt.in); got != tt.want {
			t.Errorf("foldKey(%.20q…) = %.20q… (len %d), want len %d", tt.in, got, len(got), len(tt.want))
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
		prefix := equalPrefix(tt.query)
		for _, field := range []string{"firstName", "middleName", "lastName", "name"} {
			p := &profile.Profile{ID: testID(3)}
			switch field {
			case "firstName", "name":
				p.FirstName = tt.stored
			case "middleName":
				p.MiddleName = tt.stored
			case "lastName":
				p.LastName = tt.stored
			}
			if got := strings.HasPrefix(sortKey(field, p), prefix); got != tt.match {
				t.Errorf("%s %q: SortKey has prefix equalPrefix(%q) = %v, want %v", field, tt.stored, tt.query, got, tt.match)
			}
		}
	}
	// A full name is matched as a whole.
	p := &profile.Profile{ID: testID(4), FirstName: "Mary", MiddleName: "Jane", LastName: "Smith"}
	if !strings.HasPrefix(sortKey("name", p), equalPrefix("mary jane smith")) {
		t.Error("name key does not start with EqualPrefix of the full name")
	}
	if strings.HasPrefix(sortKey("name", p), equalPrefix("mary jane")) {
		t.Error("name key starts with EqualPrefix of part of the name")
	}
}

// TestPageOfWalk pages through random profiles by After and checks every
// profile comes exactly once, in order, for each sort field and order.
func TestPageOfWalk(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		ps := randomProfiles(r, 1+r.IntN(60))
		for _, field := range profile.ProfileSortFields {
			for _, desc := range []bool{false, true} {
				limit := 1 + r.IntN(12)
				key := func(p profile.Profile) string { return sortKey(field, &p) }
				want := slices.Clone(ps)
				slices.SortFunc(want, wantOrder(field))
				if desc {
					slices.Reverse(want)
				}
				var got []profile.Profile
				pg := profile.Page{Limit: limit, SortBy: field, Desc: desc}
				for pages := 0; ; pages++ {
					if pages > len(ps)+1 {
						t.Fatalf("round %d %s desc=%v: paging does not end", round, field, desc)
					}
					res := profile.PageOf(ps, key, pg)
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
