// Package country holds the ISO 3166-1 country list (all 249 officially
// assigned entries) with the UN M49 geographic sub-region of each country.
//
// The data lives in the embedded countries.tsv and is parsed lazily on first
// use, so importing the package costs nothing at init time.
//
// Names are the ISO 3166-1 English short names, except that inverted or
// qualified forms are written in their plain short form (for example
// "Bolivia" for "Bolivia, Plurinational State of", "South Korea" for
// "Korea, Republic of", "Holy See" for "Holy See (Vatican City State)").
package country

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
)

//go:embed countries.tsv
var countriesTSV string

// Country is an ISO 3166-1 country with its UN M49 geographic sub-region.
type Country struct {
	ID         string // 24 lowercase hex characters: the first 12 bytes of sha256("country:"+Numeric), hex encoded
	Name       string // e.g. "United States"
	Alpha2     string // e.g. "US"
	Alpha3     string // e.g. "USA"
	Numeric    string // e.g. "840" (always 3 digits, zero padded, e.g. "004" for Afghanistan)
	RegionCode string // UN M49 sub-region code, 3 digits, e.g. "021"
	RegionName string // UN M49 sub-region name, e.g. "Northern America"
}

type table struct {
	all       []Country
	byNumeric map[string]Country
}

var load = sync.OnceValue(func() *table {
	t, err := parse(countriesTSV)
	if err != nil {
		panic("country: " + err.Error())
	}
	return t
})

// parse reads the TSV data: a header line, then one country per line with the
// columns numeric, alpha2, alpha3, name, region_code, region_name.
func parse(data string) (*table, error) {
	const columns = 6
	n := strings.Count(data, "\n")
	t := &table{
		all:       make([]Country, 0, n),
		byNumeric: make(map[string]Country, n),
	}
	header := true
	for line := range strings.Lines(data) {
		line = strings.TrimRight(line, "\r\n")
		if header {
			header = false
			continue
		}
		if line == "" {
			continue
		}
		var f [columns]string
		rest := line
		for i := range columns - 1 {
			var ok bool
			f[i], rest, ok = strings.Cut(rest, "\t")
			if !ok {
				return nil, fmt.Errorf("line %q: want %d tab-separated fields", line, columns)
			}
		}
		f[columns-1] = rest
		c := Country{
			ID:         makeID(f[0]),
			Numeric:    f[0],
			Alpha2:     f[1],
			Alpha3:     f[2],
			Name:       f[3],
			RegionCode: f[4],
			RegionName: f[5],
		}
		if _, dup := t.byNumeric[c.Numeric]; dup {
			return nil, fmt.Errorf("duplicate numeric code %q", c.Numeric)
		}
		t.all = append(t.all, c)
		t.byNumeric[c.Numeric] = c
	}
	return t, nil
}

// makeID returns the first 12 bytes of sha256("country:"+numeric), hex encoded.
func makeID(numeric string) string {
	sum := sha256.Sum256([]byte("country:" + numeric))
	return hex.EncodeToString(sum[:12])
}

// Lookup returns the country with the 3-digit numeric code.
func Lookup(numeric string) (Country, bool) {
	c, ok := load().byNumeric[numeric]
	return c, ok
}

// All returns every country, ordered by numeric code.
func All() []Country {
	all := load().all
	out := make([]Country, len(all))
	copy(out, all)
	return out
}
