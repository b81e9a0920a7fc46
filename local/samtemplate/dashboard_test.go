package samtemplate

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/shared/metrics"
)

// produced is what each AWS namespace the dashboard reads publishes, for
// the resource type its dimension names (the CloudWatch metrics of Lambda,
// HTTP APIs, DynamoDB and SQS). The account-level Lambda metrics have no
// dimension.
var produced = map[string]struct {
	dimension, resourceType string
	metrics                 []string
}{
	"AWS/Lambda":     {"FunctionName", "AWS::Serverless::Function", []string{"Invocations", "Errors", "Throttles", "Duration", "IteratorAge", "ConcurrentExecutions"}},
	"AWS/ApiGateway": {"ApiId", "AWS::Serverless::HttpApi", []string{"Count", "4xx", "5xx", "Latency", "IntegrationLatency", "DataProcessed"}},
	"AWS/DynamoDB": {"TableName", "AWS::DynamoDB::Table", []string{"ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits",
		"ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests", "SuccessfulRequestLatency", "SystemErrors", "UserErrors"}},
	"AWS/SQS": {"QueueName", "AWS::SQS::Queue", []string{"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent"}},
}

// accountMetrics are Lambda's account-level metrics, without dimensions.
var accountMetrics = []string{"ClaimedAccountConcurrency", "ConcurrentExecutions", "UnreservedConcurrentExecutions"}

// TestDashboardNamesOnlyProducedMetrics: every metric the dashboard names
// is one the template's resources publish (with a dimension that is one of
// them) or one the functions' EMF lines write (shared/metrics), and the
// dashboard shows each function.
func TestDashboardNamesOnlyProducedMetrics(t *testing.T) {
	tpl, err := FindAndLoad(".")
	if err != nil {
		t.Fatal(err)
	}
	dashboards := tpl.ResourcesOfType("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(dashboards))
	}
	props := tpl.Resources[dashboards[0]].Properties
	body := Field(&props, "DashboardBody")
	if body == nil || body.Tag != "!Sub" {
		t.Fatal("DashboardBody is not a !Sub string")
	}
	// ${Name} or ${Name.Attribute}: the resource is the part before the dot.
	refs := regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(\.[A-Za-z]+)?\}`)
	resourceOf := func(v string) (string, bool) {
		m := refs.FindStringSubmatch(v)
		if m == nil || m[0] != v {
			return "", false
		}
		return m[1], true
	}
	var doc struct {
		Widgets []struct {
			Type       string `json:"type"`
			Properties struct {
				Metrics []json.RawMessage `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body.Value), &doc); err != nil {
		t.Fatalf("DashboardBody is not JSON: %v", err)
	}
	search := regexp.MustCompile(`SEARCH\('\{([^,}]+)[^}]*\} MetricName="([^"]+)"`)
	shown := map[string]bool{} // functions with their invocations shown
	names := 0
	for _, w := range doc.Widgets {
		for _, raw := range w.Properties.Metrics {
			// A math expression is an array holding one object.
			var expr []struct {
				Expression string `json:"expression"`
			}
			if json.Unmarshal(raw, &expr) == nil && len(expr) == 1 && expr[0].Expression != "" {
				m := search.FindStringSubmatch(expr[0].Expression)
				if m == nil {
					t.Errorf("expression %q names no metric", expr[0].Expression)
					continue
				}
				if m[1] != metrics.Namespace || !slices.Contains(metrics.Names(), m[2]) {
					t.Errorf("%s %s: no EMF line writes it", m[1], m[2])
				}
				names++
				continue
			}
			var metric []any
			if err := json.Unmarshal(raw, &metric); err != nil {
				t.Errorf("metric %s: %v", raw, err)
				continue
			}
			var parts []string // namespace, name, dimension, value, …; the options object last
			for _, p := range metric {
				if s, ok := p.(string); ok {
					parts = append(parts, s)
				}
			}
			if len(parts) < 2 || slices.Contains(parts, ".") {
				t.Errorf("metric %v: write namespace and name out", metric)
				continue
			}
			names++
			ns, name, dims := parts[0], parts[1], parts[2:]
			if ns == metrics.Namespace {
				if !slices.Contains(metrics.Names(), name) {
					t.Errorf("%s %s: no EMF line writes it", ns, name)
				}
				continue
			}
			want, ok := produced[ns]
			switch {
			case !ok:
				t.Errorf("metric %v: namespace %s is not one the template's resources publish", metric, ns)
			case len(dims) == 0 && ns == "AWS/Lambda" && slices.Contains(accountMetrics, name):
			case len(dims) != 2 || dims[0] != want.dimension:
				t.Errorf("metric %v: want the one dimension %s", metric, want.dimension)
			case !slices.Contains(want.metrics, name):
				t.Errorf("metric %v: %s publishes no %s", metric, ns, name)
			default:
				res, ok := resourceOf(dims[1])
				if !ok || tpl.Resources[res].Type != want.resourceType {
					t.Errorf("metric %v: %s is not a %s of the template", metric, dims[1], want.resourceType)
				}
				if ns == "AWS/Lambda" && name == "Invocations" {
					shown[res] = true
				}
			}
		}
	}
	if names < 20 {
		t.Errorf("only %d metrics read: the test reads the dashboard wrong", names)
	}
	for _, fn := range tpl.Functions {
		if !shown[fn.Name] {
			t.Errorf("the dashboard does not show %s's invocations", fn.Name)
		}
	}
	if !strings.Contains(body.Value, metrics.Namespace) {
		t.Errorf("the dashboard shows none of the EMF metrics (%s)", metrics.Namespace)
	}
}
