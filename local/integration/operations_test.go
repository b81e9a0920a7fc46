package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/local/testenv"
)

// TestEveryFunctionIsOperable holds template.yaml to what running it in
// production needs: each function logs to a log group of its own kept
// LogRetentionDays, in JSON at LogLevel, has an alarm on its errors and
// throttles, and a concurrency limit; the API throttles every route and
// writes an access log naming the caller but never the key.
func TestEveryFunctionIsOperable(t *testing.T) {
	tpl, err := samtemplate.Load(filepath.Join(testenv.Root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res := tpl.Resolver()
	// alarmed[function][metric]: an alarm that notifies watches the
	// function's AWS/Lambda metric (as its metric, or one its math reads).
	alarmed := map[string]map[string]bool{}
	for name, r := range tpl.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		if samtemplate.Field(&r.Properties, "AlarmActions") == nil {
			t.Errorf("alarm %s notifies nobody", name)
			continue
		}
		for _, m := range metricsOf(&r.Properties) {
			if ns := samtemplate.Field(m, "Namespace"); ns == nil || ns.Value != "AWS/Lambda" {
				continue
			}
			dims := samtemplate.Field(m, "Dimensions")
			if dims == nil {
				continue
			}
			for _, d := range dims.Content {
				if n := samtemplate.Field(d, "Name"); n != nil && n.Value == "FunctionName" {
					fn := samtemplate.Field(d, "Value")
					if fn == nil {
						continue
					}
					if alarmed[fn.Value] == nil {
						alarmed[fn.Value] = map[string]bool{}
					}
					alarmed[fn.Value][samtemplate.Field(m, "MetricName").Value] = true
				}
			}
		}
	}
	for _, fn := range tpl.Functions {
		lg := samtemplate.Field(fn.Properties, "LoggingConfig", "LogGroup")
		if lg == nil || lg.Tag != "!Ref" || tpl.Resources[lg.Value].Type != "AWS::Logs::LogGroup" {
			t.Errorf("%s: LoggingConfig.LogGroup is not a log group of the template", fn.Name)
		} else if props := tpl.Resources[lg.Value].Properties; samtemplate.Field(&props, "RetentionInDays") == nil ||
			samtemplate.Field(&props, "RetentionInDays").Value != "LogRetentionDays" {
			t.Errorf("%s: its log group is not kept LogRetentionDays", fn.Name)
		}
		if c := samtemplate.Field(fn.Properties, "ReservedConcurrentExecutions"); c == nil {
			t.Errorf("%s: no ReservedConcurrentExecutions", fn.Name)
		}
		for _, metric := range []string{"Errors", "Throttles"} {
			if !alarmed[fn.Name][metric] {
				t.Errorf("%s: no alarm on its %s (alarmed on %v)", fn.Name, metric, alarmed[fn.Name])
			}
		}
	}
	// Active tracing on every function (SAM adds the X-Ray write policy).
	if v := samtemplate.Field(tpl.Globals, "Tracing"); v == nil || v.Value != "Active" {
		t.Error("Globals: Tracing is not Active")
	}
	for _, fn := range tpl.Functions {
		if v := samtemplate.Field(fn.Properties, "Tracing"); v != nil && v.Value != "Active" {
			t.Errorf("%s: Tracing %s overrides Globals' Active", fn.Name, v.Value)
		}
	}
	for k, want := range map[string]string{"LogFormat": "JSON", "ApplicationLogLevel": "LogLevel"} {
		if v := samtemplate.Field(tpl.Globals, "LoggingConfig", k); v == nil || v.Value != want {
			t.Errorf("Globals LoggingConfig.%s is not %s", k, want)
		}
	}
	for _, k := range []string{"ThrottlingBurstLimit", "ThrottlingRateLimit"} {
		if v := samtemplate.Field(tpl.HTTPAPI, "DefaultRouteSettings", k); v == nil || v.Value != k {
			t.Errorf("HttpApi DefaultRouteSettings.%s is not the parameter %s", k, k)
		}
	}
	format, err := res.String(samtemplate.Field(tpl.HTTPAPI, "AccessLogSettings", "Format"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"$context.requestId", "$context.routeKey", "$context.path", "$context.status",
		"$context.responseLatency", "$context.authorizer.claims.sub", "$context.authorizer.apiKeyName"} {
		if !strings.Contains(format, v) {
			t.Errorf("the access log lacks %s", v)
		}
	}
	if strings.Contains(strings.ToLower(format), "x-api-key") || strings.Contains(format, "$context.identity.apiKey") {
		t.Errorf("the access log holds the API key: %s", format)
	}
}

// TestLogsDoNotOutliveProfiles: as deployed with samconfig.toml's values
// (and with the template's defaults), logs are kept no longer than the
// retention job keeps a disabled profile.
func TestLogsDoNotOutliveProfiles(t *testing.T) {
	root := testenv.Root(t)
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]map[string]map[string]map[string]any
	if _, err := toml.DecodeFile(filepath.Join(root, "samconfig.toml"), &cfg); err != nil {
		t.Fatal(err)
	}
	overrides, err := parseParameterOverrides(cfg["default"]["deploy"]["parameters"]["parameter_overrides"])
	if err != nil {
		t.Fatal(err)
	}
	def := func(p string) string {
		d := tpl.Parameters[p].Default
		if d == nil {
			t.Fatalf("template.yaml: parameter %s has no default", p)
		}
		return *d
	}
	for what, value := range map[string]func(string) string{
		"the defaults": def,
		// A parameter samconfig.toml does not override is deployed with its default.
		"samconfig.toml": func(p string) string {
			if v, ok := overrides[p]; ok {
				return v
			}
			return def(p)
		},
	} {
		daysOf := func(p string) int {
			n, err := strconv.Atoi(value(p))
			if err != nil {
				t.Fatalf("with %s, %s is no number of days: %v", what, p, err)
			}
			return n
		}
		logs, days := daysOf("LogRetentionDays"), daysOf("RetentionDays")
		if days > 0 && logs > days {
			t.Errorf("with %s logs are kept %d days, longer than the %d days after which profiles are deleted", what, logs, days)
		}
	}
}

// TestCheckovSkipsGiveReasons: every finding the template skips says why,
// next to the resource (make scan fails on any finding not skipped).
func TestCheckovSkipsGiveReasons(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.Root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	skip := regexp.MustCompile(`checkov:skip=([A-Z0-9_]+)(.*)`)
	n := 0
	for i, line := range strings.Split(string(raw), "\n") {
		m := skip.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n++
		if reason := strings.TrimSpace(strings.TrimPrefix(m[2], ":")); len(reason) < 20 {
			t.Errorf("template.yaml:%d: skip of %s without a reason", i+1, m[1])
		}
	}
	if n == 0 {
		t.Error("no checkov skip found: the test reads the wrong file")
	}
}

// metricsOf returns every metric below an alarm's properties n: the
// mappings that name a MetricName (the alarm's own, or a MetricStat's).
func metricsOf(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	if n == nil {
		return nil
	}
	if n.Kind == yaml.MappingNode && samtemplate.Field(n, "MetricName") != nil {
		out = append(out, n)
	}
	for _, c := range n.Content {
		out = append(out, metricsOf(c)...)
	}
	return out
}
