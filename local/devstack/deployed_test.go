package devstack

import (
	"strings"
	"testing"
)

// TestDeployedEnv: -aws refuses a missing stack output, naming the output
// and how to read it, and any variable that points at a local stand-in,
// the command's own included; a complete, clean environment passes.
func TestDeployedEnv(t *testing.T) {
	outputs := []StackOutput{{"TABLE_NAME", "TableName"}, {"EVENT_BUS_NAME", "EventBusName"}}
	complete := map[string]string{"TABLE_NAME": "profiles-Table-X", "EVENT_BUS_NAME": "profiles-events"}
	with := func(k, v string) map[string]string {
		env := map[string]string{k: v}
		for name, value := range complete {
			if name != k {
				env[name] = value
			}
		}
		return env
	}
	cases := []struct {
		name string
		env  map[string]string
		want []string // substrings of the error; none: no error
	}{
		{"complete", complete, nil},
		{"no table", with("TABLE_NAME", ""), []string{"TABLE_NAME", "TableName", "describe-stacks"}},
		{"no bus", with("EVENT_BUS_NAME", ""), []string{"EVENT_BUS_NAME", "OutputKey=='EventBusName'"}},
		{"a local DynamoDB", with("DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"), []string{"DYNAMODB_ENDPOINT=http://127.0.0.1:8000", "unset it"}},
		{"local mode", with("LOCAL_MODE", "1"), []string{"LOCAL_MODE"}},
		{"an SDK endpoint override", with("AWS_ENDPOINT_URL_DYNAMODB", "http://x"), []string{"AWS_ENDPOINT_URL_DYNAMODB"}},
		{"the command's own", with("EVENTS_FILE", "e.jsonl"), []string{"EVENTS_FILE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := DeployedEnv(func(k string) string { return tc.env[k] }, outputs, "EVENTS_FILE")
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("passed")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
