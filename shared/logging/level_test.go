package logging

import (
	"log/slog"
	"slices"
	"testing"
)

// TestLevelFromEnv: each of Lambda's application log levels maps to the
// slog level that logs what Lambda keeps (TRACE, which slog lacks, to
// DEBUG; FATAL to ERROR); any case reads the same; unset or unknown is INFO.
func TestLevelFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  string
		want slog.Level
	}{
		{"TRACE", slog.LevelDebug},
		{"DEBUG", slog.LevelDebug},
		{"INFO", slog.LevelInfo},
		{"WARN", slog.LevelWarn},
		{"ERROR", slog.LevelError},
		{"FATAL", slog.LevelError},
		{"trace", slog.LevelDebug},
		{"debug", slog.LevelDebug},
		{"Warn", slog.LevelWarn},
		{"error", slog.LevelError},
		{"fatal", slog.LevelError},
		{"", slog.LevelInfo},
		{"WARNING", slog.LevelInfo},
		{"VERBOSE", slog.LevelInfo},
	}
	for _, tt := range tests {
		var asked []string
		getenv := func(key string) string {
			asked = append(asked, key)
			if key == "AWS_LAMBDA_LOG_LEVEL" {
				return tt.env
			}
			return "DEBUG" // any other variable must not decide the level
		}
		if got := LevelFromEnv(getenv); got != tt.want {
			t.Errorf("LevelFromEnv with AWS_LAMBDA_LOG_LEVEL=%q = %v, want %v", tt.env, got, tt.want)
		}
		if len(asked) == 0 || slices.ContainsFunc(asked, func(k string) bool { return k != "AWS_LAMBDA_LOG_LEVEL" }) {
			t.Errorf("LevelFromEnv with AWS_LAMBDA_LOG_LEVEL=%q read %q, want only AWS_LAMBDA_LOG_LEVEL", tt.env, asked)
		}
	}
}
