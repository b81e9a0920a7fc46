package logging_test

import (
	"strings"
	"testing"

	"github.com/profiles-service/profiles/shared/logging"
	"github.com/profiles-service/profiles/shared/profile"
)

// validatorEmails are addresses the validator accepts, each spelling as a
// client may send it: Unicode local parts and domains, decomposed forms,
// A-labels, the full stops UTS #46 maps to ".", every ASCII atext symbol.
var validatorEmails = []string{
	"jos\u00e9@example.com",
	"jose\u0301@example.com",
	"bob@ex\u00e4mple.com",
	"bob@EX\u00c4MPLE.com",
	"bob@xn--exmple-cua.com",
	"\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a",
	"\u0627\u062d\u0645\u062f@\u0645\u062b\u0627\u0644.\u0645\u0635\u0631",
	"\u00fc\u00f1\u00ef\u00e7\u00f8d\u00e9@b\u00fccher.de",
	"bob@example\u3002com",
	"bob@example\uff0ecom",
	"bob@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com",
	"a!#$%&'*+/=?^_`{|}~-z@example.com",
	"emoji\U0001F600@example.com",
	"mary.smith+tag@sub.example.co.uk",
}

// TestMaskCoversEveryAddressTheValidatorAccepts: each address the
// validator accepts is masked, alone and inside a sentence, and neither
// its local part nor its domain is left.
func TestMaskCoversEveryAddressTheValidatorAccepts(t *testing.T) {
	t.Parallel()
	for _, addr := range validatorEmails {
		if _, ok := profile.NormalizeEmail(addr); !ok {
			t.Errorf("the validator refuses %+q: not a case of this test", addr)
			continue
		}
		checkMasked(t, addr)
	}
}

func checkMasked(t *testing.T, addr string) {
	t.Helper()
	for _, around := range []string{"%s", "contact %s exists", "value: %s;", "\"%s\"", "<%s>", "(%s)"} {
		s := strings.Replace(around, "%s", addr, 1)
		if got, want := logging.Mask(s), strings.Replace(around, "%s", "[email]", 1); got != want {
			t.Errorf("Mask(%+q) = %+q, want %+q", s, got, want)
		}
	}
}

// FuzzMaskCoversValidatorEmails: whatever the validator accepts as an
// address, Mask hides.
func FuzzMaskCoversValidatorEmails(f *testing.F) {
	for _, addr := range validatorEmails {
		f.Add(addr)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, ok := profile.NormalizeEmail(s); ok {
			checkMasked(t, strings.TrimSpace(s))
		}
	})
}
