package auth

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxNameLen bounds a key's name: it is a table key and goes into the access log.
const maxNameLen = 64

// CheckName reports why name cannot name a key, or nil: 1 to 64 letters,
// digits, '.', '-' or '_', and not the shape of a key, so a key pasted
// where a name goes is refused rather than stored and listed.
func CheckName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("a key's name has 1 to %d characters, not %d", maxNameLen, len(name))
	}
	for _, c := range name {
		if !isBase64URL(c) && c != '.' {
			return fmt.Errorf("a key's name holds only letters, digits, '.', '-' and '_', not %q", c)
		}
	}
	if WellFormed(name) {
		return fmt.Errorf("%s… is a key, not a name: a key is never written where it would be listed", name[:len(apiKeyPrefix)+4])
	}
	return nil
}

// maxExpiryDays bounds a relative expiry, so a typo does not make a key
// that outlives everyone who knows of it.
const maxExpiryDays = 3650

// ParseExpiry reads when a key created at now expires: a number of days
// ("90d"), a UTC date ("2026-12-31": the key stops working at its start),
// or an RFC 3339 time. It must be after now.
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	var at time.Time
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > maxExpiryDays {
			return time.Time{}, fmt.Errorf("expiry %q: a number of days is 1d to %dd", s, maxExpiryDays)
		}
		at = now.Add(time.Duration(n) * 24 * time.Hour)
	} else if d, err := time.Parse(time.DateOnly, s); err == nil {
		at = d
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else {
		return time.Time{}, fmt.Errorf("expiry %q: give days (90d), a date (2026-12-31) or an RFC 3339 time", s)
	}
	if !at.After(now) {
		return time.Time{}, fmt.Errorf("expiry %q is not after now (%s)", s, now.UTC().Format(time.RFC3339))
	}
	return at.UTC(), nil
}
