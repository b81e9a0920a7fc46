package country

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		numeric string
		want    Country
	}{
		{"840", Country{Name: "United States", Alpha2: "US", Alpha3: "USA", Numeric: "840", RegionCode: "021", RegionName: "Northern America"}},
		{"004", Country{Name: "Afghanistan", Alpha2: "AF", Alpha3: "AFG", Numeric: "004", RegionCode: "034", RegionName: "Southern Asia"}},
		{"826", Country{Name: "United Kingdom", Alpha2: "GB", Alpha3: "GBR", Numeric: "826", RegionCode: "154", RegionName: "Northern Europe"}},
		{"250", Country{Name: "France", Alpha2: "FR", Alpha3: "FRA", Numeric: "250", RegionCode: "155", RegionName: "Western Europe"}},
		{"392", Country{Name: "Japan", Alpha2: "JP", Alpha3: "JPN", Numeric: "392", RegionCode: "030", RegionName: "Eastern Asia"}},
		{"036", Country{Name: "Australia", Alpha2: "AU", Alpha3: "AUS", Numeric: "036", RegionCode: "053", RegionName: "Australia and New Zealand"}},
		{"076", Country{Name: "Brazil", Alpha2: "BR", Alpha3: "BRA", Numeric: "076", RegionCode: "419", RegionName: "Latin America and the Caribbean"}},
		{"710", Country{Name: "South Africa", Alpha2: "ZA", Alpha3: "ZAF", Numeric: "710", RegionCode: "202", RegionName: "Sub-Saharan Africa"}},
		{"010", Country{Name: "Antarctica", Alpha2: "AQ", Alpha3: "ATA", Numeric: "010", RegionCode: "010", RegionName: "Antarctica"}},
		{"158", Country{Name: "Taiwan", Alpha2: "TW", Alpha3: "TWN", Numeric: "158", RegionCode: "030", RegionName: "Eastern Asia"}},
		{"074", Country{Name: "Bouvet Island", Alpha2: "BV", Alpha3: "BVT", Numeric: "074", RegionCode: "419", RegionName: "Latin America and the Caribbean"}},
		{"334", Country{Name: "Heard Island and McDonald Islands", Alpha2: "HM", Alpha3: "HMD", Numeric: "334", RegionCode: "053", RegionName: "Australia and New Zealand"}},
		{"260", Country{Name: "French Southern Territories", Alpha2: "TF", Alpha3: "ATF", Numeric: "260", RegionCode: "202", RegionName: "Sub-Saharan Africa"}},
		{"239", Country{Name: "South Georgia and the South Sandwich Islands", Alpha2: "GS", Alpha3: "SGS", Numeric: "239", RegionCode: "419", RegionName: "Latin America and the Caribbean"}},
		{"643", Country{Name: "Russian Federation", Alpha2: "RU", Alpha3: "RUS", Numeric: "643", RegionCode: "151", RegionName: "Eastern Europe"}},
		{"384", Country{Name: "Côte d'Ivoire", Alpha2: "CI", Alpha3: "CIV", Numeric: "384", RegionCode: "202", RegionName: "Sub-Saharan Africa"}},
	}
	for _, tt := range tests {
		t.Run(tt.numeric, func(t *testing.T) {
			got, ok := Lookup(tt.numeric)
			if !ok {
				t.Fatalf("Lookup(%q) not found", tt.numeric)
			}
			want := tt.want
			sum := sha256.Sum256([]byte("country:" + tt.numeric))
			want.ID = hex.EncodeToString(sum[:12])
			if got != want {
				t.Errorf("Lookup(%q) = %+v, want %+v", tt.numeric, got, want)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, code := range []string{"000", "999", "84", "abc", "", "8400", " 840", "840 "} {
		if c, ok := Lookup(code); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", code, c)
		}
	}
}

var (
	reNumeric = regexp.MustCompile(`^[0-9]{3}$`)
	reAlpha2  = regexp.MustCompile(`^[A-Z]{2}$`)
	reAlpha3  = regexp.MustCompile(`^[A-Z]{3}$`)
	reID      = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

func TestAll(t *testing.T) {
	all := All()
	if len(all) != 249 {
		t.Fatalf("len(All()) = %d, want 249", len(all))
	}
	seen := map[string]map[string]bool{
		"Numeric": {}, "Alpha2": {}, "Alpha3": {}, "ID": {}, "Name": {},
	}
	unique := func(field, v string) {
		t.Helper()
		if seen[field][v] {
			t.Errorf("duplicate %s %q", field, v)
		}
		seen[field][v] = true
	}
	for i, c := range all {
		if !reNumeric.MatchString(c.Numeric) {
			t.Errorf("%+v: bad Numeric", c)
		}
		if i > 0 && all[i-1].Numeric >= c.Numeric {
			t.Errorf("All() not ordered by numeric code at %q, %q", all[i-1].Numeric, c.Numeric)
		}
		if !reAlpha2.MatchString(c.Alpha2) {
			t.Errorf("%+v: bad Alpha2", c)
		}
		if !reAlpha3.MatchString(c.Alpha3) {
			t.Errorf("%+v: bad Alpha3", c)
		}
		if !reNumeric.MatchString(c.RegionCode) {
			t.Errorf("%+v: bad RegionCode", c)
		}
		if c.RegionName == "" {
			t.Errorf("%+v: empty RegionName", c)
		}
		if c.Name == "" {
			t.Errorf("%+v: empty Name", c)
		}
		if !reID.MatchString(c.ID) {
			t.Errorf("%+v: bad ID", c)
		}
		sum := sha256.Sum256([]byte("country:" + c.Numeric))
		if want := hex.EncodeToString(sum[:12]); c.ID != want {
			t.Errorf("%s: ID = %q, want %q", c.Numeric, c.ID, want)
		}
		if got, ok := Lookup(c.Numeric); !ok || got != c {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", c.Numeric, got, ok, c)
		}
		unique("Numeric", c.Numeric)
		unique("Alpha2", c.Alpha2)
		unique("Alpha3", c.Alpha3)
		unique("ID", c.ID)
		unique("Name", c.Name)
	}
}

func TestRegionNamesConsistent(t *testing.T) {
	names := map[string]string{}
	for _, c := range All() {
		if prev, ok := names[c.RegionCode]; ok && prev != c.RegionName {
			t.Errorf("region %s named both %q and %q", c.RegionCode, prev, c.RegionName)
		}
		names[c.RegionCode] = c.RegionName
	}
	if len(names) != 18 {
		t.Errorf("got %d distinct regions, want 18 (17 M49 sub-regions plus Antarctica): %v", len(names), names)
	}
}

func TestAllReturnsCopy(t *testing.T) {
	a := All()
	a[0].Name = "changed"
	if All()[0].Name == "changed" {
		t.Error("All() exposes internal slice")
	}
}

func BenchmarkLookup(b *testing.B) {
	codes := []string{"840", "004", "826", "250", "392", "036", "076", "710", "999"}
	Lookup("840") // parse before the timed loop
	for i := 0; b.Loop(); i++ {
		Lookup(codes[i%len(codes)])
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := parse(countriesTSV); err != nil {
			b.Fatal(err)
		}
	}
}
