package config

import (
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/shared/budget"
)

// TestEventSettings: where the profile change events go, by environment.
func TestEventSettings(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       map[string]string
		file, bus string
		source    string
		wantErr   bool
	}{
		{name: "AWS", env: map[string]string{"EVENT_BUS_NAME": "profiles-events", "EVENT_SOURCE": "crm.profiles"},
			bus: "profiles-events", source: "crm.profiles"},
		{name: "AWS, default source", env: map[string]string{"EVENT_BUS_NAME": "b"}, bus: "b", source: "profiles"},
		{name: "local: the default file", env: map[string]string{"LOCAL_MODE": "1", "EVENT_BUS_NAME": "b"},
			file: ".local/events.jsonl", bus: "b", source: "profiles"},
		{name: "local: a file", env: map[string]string{"LOCAL_MODE": "1", "EVENTS_FILE": "/tmp/e.jsonl"}, file: "/tmp/e.jsonl", source: "profiles"},
		{name: "local: a local bus", env: map[string]string{"LOCAL_MODE": "1", "EVENT_BUS_NAME": "b", "EVENTBRIDGE_ENDPOINT": "http://127.0.0.1:9"},
			bus: "b", source: "profiles"},
		{name: "local: a file and a local bus", env: map[string]string{"LOCAL_MODE": "1", "EVENTS_FILE": "e", "EVENTBRIDGE_ENDPOINT": "http://x"}, wantErr: true},
		{name: "AWS: a file", env: map[string]string{"EVENTS_FILE": "e"}, wantErr: true},
		{name: "AWS: a local bus", env: map[string]string{"EVENTBRIDGE_ENDPOINT": "http://x"}, wantErr: true},
		{name: "an AWS source", env: map[string]string{"EVENT_SOURCE": "aws.profiles"}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["TABLE_NAME"] = "profiles"
			c, err := FromEnv(func(k string) string { return tc.env[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want one: %v", err, tc.wantErr)
			}
			if !tc.wantErr && (c.EventsFile != tc.file || c.EventBusName != tc.bus || c.EventSource != tc.source) {
				t.Errorf("file %q, bus %q, source %q; want %q, %q, %q", c.EventsFile, c.EventBusName, c.EventSource, tc.file, tc.bus, tc.source)
			}
		})
	}
}

// TestLocalOnlySettings: settings that belong to local runs are refused
// outside local mode, and sam local without the project's env file (which
// sets LOCAL_MODE) is refused rather than calling AWS; the same settings in
// local mode start.
func TestLocalOnlySettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr bool
	}{
		{"sam local without LOCAL_MODE", map[string]string{"AWS_SAM_LOCAL": "true"}, true},
		{"sam local with LOCAL_MODE", map[string]string{"AWS_SAM_LOCAL": "true", "LOCAL_MODE": "1"}, false},
		{"CURSOR_SECRET in AWS", map[string]string{"CURSOR_SECRET": "0123456789abcdef0123"}, true},
		{"CURSOR_SECRET in local mode", map[string]string{"CURSOR_SECRET": "0123456789abcdef0123", "LOCAL_MODE": "1"}, false},
		{"AWS", map[string]string{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["TABLE_NAME"] = "profiles"
			if _, err := FromEnv(func(k string) string { return tc.env[k] }); (err != nil) != tc.wantErr {
				t.Errorf("error %v, want one: %v", err, tc.wantErr)
			}
		})
	}
}

// TestRequestTimeout: REQUEST_TIMEOUT sets the budget's timeout, the rest
// keep their defaults, and a timeout no write could start in is refused at
// cold start with what is wrong.
func TestRequestTimeout(t *testing.T) {
	for _, tc := range []struct {
		value   string
		want    time.Duration
		wantErr string
	}{
		{"", 8 * time.Second, ""},
		{"5s", 5 * time.Second, ""},
		{"400ms", 400 * time.Millisecond, ""},
		{"300ms", 0, "REQUEST_TIMEOUT=300ms: the request timeout (300ms) must be more than the 300ms a write needs to start"},
		{"0s", 0, "REQUEST_TIMEOUT must be a duration such as 8s"},
		{"eight", 0, "REQUEST_TIMEOUT must be a duration such as 8s"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			env := map[string]string{"TABLE_NAME": "profiles", "REQUEST_TIMEOUT": tc.value}
			c, err := FromEnv(func(k string) string { return env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := budget.Default()
			want.Timeout = tc.want
			if c.Budget.Timeout != want.Timeout || c.Budget.Margin != want.Margin || c.Budget.ReadBack != want.ReadBack ||
				c.Budget.MinStart != want.MinStart || c.Budget.CallTimeout != want.CallTimeout || c.Budget.Now == nil {
				t.Errorf("Budget = %+v, want %+v", c.Budget, want)
			}
		})
	}
}
