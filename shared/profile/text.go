package profile

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Names and contact values are kept in Unicode NFC, the form most input
// methods produce: the precomposed and decomposed spellings of "José" are
// one name, one filter value and one contact, not two. Everything that
// compares or indexes a name or an address goes through Fold, so the
// domain, the stores' index keys and the filters agree.

// Fold is the form in which names and email addresses compare: NFC, then
// lower-cased (ToLower, not case folding: what the stores' index keys
// hold). Values stored before they were normalised on the way in fold
// alike, whichever spelling they have.
func Fold(s string) string {
	return strings.ToLower(norm.NFC.String(s))
}

// refusedRune describes the first character of s a name may not hold: one
// that cannot be seen or that changes the direction of the text around it
// (a name that displays as another), a private-use character (whose
// meaning is a private agreement) or an unassigned code point (whose
// meaning a later Unicode may set). "" when there is none.
func refusedRune(s string) string {
	for _, r := range s {
		if why := refusedWhy(r); why != "" {
			return fmt.Sprintf("%U (%s)", r, why)
		}
	}
	return ""
}

func refusedWhy(r rune) string {
	switch {
	case r == '\u061c' || r == '\u200e' || r == '\u200f' || '\u202a' <= r && r <= '\u202e' || '\u2066' <= r && r <= '\u2069':
		return "a bidirectional control character"
	case r == '\u200c' || r == '\u200d':
		// ZERO WIDTH NON-JOINER and JOINER are part of how Persian, the
		// Indic scripts and emoji sequences are written.
		return ""
	case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		return "an invisible character"
	case unicode.Is(unicode.Co, r):
		return "a private-use character"
	case !assigned(r):
		return "an unassigned code point"
	}
	return ""
}

// assigned reports whether Unicode (the version Go's tables hold) gives r
// a character: every general category but Cn (unassigned).
func assigned(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}

// normalizeDomain IDNA-normalises an email domain: UTS #46 processing for
// lookup (mapped, lower-cased, checked), so "EXÄMPLE.com",
// "xn--exmple-cua.com" and "exa\u0308mple.com" are one domain. The A-label
// form is checked against DNS's rules; the Unicode form is what is kept.
func normalizeDomain(d string) (string, bool) {
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil || !validDomain(ascii) {
		return "", false
	}
	uni, err := idna.Lookup.ToUnicode(ascii)
	if err != nil {
		return "", false
	}
	return uni, true
}
