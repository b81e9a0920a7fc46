package lambdaapp_test

import (
	"slices"
	"testing"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/api"
)

// TestTemplateGivesTheSecretToWhoNeedsIt holds template.yaml to the code:
// a function whose endpoint NeedsSecret (list cursors, Idempotency-Key
// records) has CURSOR_SECRET_ARN and may read exactly that secret; every
// other HTTP function has neither (least privilege: the secret signs
// cursors and keys the records' hashes).
func TestTemplateGivesTheSecretToWhoNeedsIt(t *testing.T) {
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		t.Fatal(err)
	}
	res := tpl.Resolver()
	needs := map[string]bool{}
	for _, e := range api.Endpoints() {
		needs[e.Name] = e.NeedsSecret()
	}
	for _, fn := range tpl.Functions {
		need, isHTTP := needs[fn.Name]
		if !isHTTP {
			continue
		}
		env, err := res.Environment(fn)
		if err != nil {
			t.Fatal(err)
		}
		sts, err := res.Policy(fn)
		if err != nil {
			t.Fatal(err)
		}
		secret := env["CURSOR_SECRET_ARN"]
		var readable []string
		for _, st := range sts {
			if st.Effect == "Allow" && slices.Contains(st.Actions, "secretsmanager:GetSecretValue") {
				readable = append(readable, st.Resources...)
			}
		}
		switch {
		case need && (secret == "" || !slices.Equal(readable, []string{secret})):
			t.Errorf("%s needs the stack's secret: CURSOR_SECRET_ARN %q, may read %v", fn.Name, secret, readable)
		case !need && (secret != "" || len(readable) > 0):
			t.Errorf("%s does not need the stack's secret, yet has CURSOR_SECRET_ARN %q and may read %v", fn.Name, secret, readable)
		}
	}
}
