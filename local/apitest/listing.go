package apitest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/profiles-service/profiles/shared/views"
)

// SortValue is the tests' own reading of the documented order of a
// field (docs/api.md, sort_by), independent of the store's sort keys.
func SortValue(p views.Profile, field string) string {
	switch field {
	case "createTime":
		return p.CreateTime
	case "updateTime":
		return p.UpdateTime
	case "enabled":
		return fmt.Sprint(p.Enabled) // "false" < "true"
	case "firstName":
		return strings.ToLower(StringOf(p.FirstName))
	case "middleName":
		return strings.ToLower(StringOf(p.MiddleName))
	case "lastName":
		return strings.ToLower(StringOf(p.LastName))
	case "name":
		return strings.ToLower(StringOf(p.Name))
	case "profileId":
		return p.ProfileID
	}
	panic(field)
}

// ExpectedOrder is the ids of ps in the order a listing sorted by field
// returns them: by SortValue, ties broken by profileId, all reversed when
// desc.
func ExpectedOrder(ps []views.Profile, field string, desc bool) []string {
	sorted := slices.Clone(ps)
	slices.SortFunc(sorted, func(a, b views.Profile) int {
		c := strings.Compare(SortValue(a, field), SortValue(b, field))
		if c == 0 {
			c = strings.Compare(a.ProfileID, b.ProfileID)
		}
		if desc {
			c = -c
		}
		return c
	})
	return IDs(sorted)
}

// IDs is the profiles' ids, in their order.
func IDs(ps []views.Profile) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ProfileID
	}
	return out
}
