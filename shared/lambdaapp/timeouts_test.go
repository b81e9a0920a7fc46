package lambdaapp

import (
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/config"
)

// TestTemplateTimeoutsHoldTheBudget holds each function's Timeout in
// template.yaml to the time its code takes before answering, read from
// the configuration the template gives it: an HTTP function's request
// timeout (REQUEST_TIMEOUT) plus the margin its budget keeps for the
// read-back and the answer; the retention job's summary margin plus one
// purge's share (a request's timeout); the publisher's answer margin. A
// shorter Lambda timeout would kill a function the budget lets run.
func TestTemplateTimeoutsHoldTheBudget(t *testing.T) {
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		t.Fatal(err)
	}
	r := tpl.Resolver()
	for _, fn := range tpl.Functions {
		t.Run(fn.Name, func(t *testing.T) {
			env, err := r.Environment(fn)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.FromEnv(func(k string) string { return env[k] })
			if err != nil {
				t.Fatalf("the template's environment of %s: %v", fn.Name, err)
			}
			timeout, err := r.Timeout(fn)
			if err != nil {
				t.Fatal(err)
			}
			b := cfg.Budget
			var needs time.Duration
			var what string
			switch {
			case len(fn.Routes) > 0:
				needs, what = b.Timeout+b.Margin, "REQUEST_TIMEOUT plus the budget's margin"
			case fn.Name == RetentionPurge.Name:
				needs, what = retentionSummaryMargin+b.Timeout, "the summary's margin plus one purge's share (REQUEST_TIMEOUT)"
			case fn.Name == PublishProfileEvents.Name:
				needs, what = publishAnswerMargin, "the answer's margin"
			case fn.Name == APIKeyAuthorizer.Name:
				return // one read, bounded by the Lambda's own deadline: no budget of its own
			default:
				t.Fatalf("%s: no rule of what its Timeout must hold: add one here", fn.Name)
			}
			if timeout <= needs {
				t.Errorf("%s: template Timeout %v must be more than %s (%v)", fn.Name, timeout, what, needs)
			}
		})
	}
}
