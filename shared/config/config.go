// Package config reads the service's settings from the environment, once,
// at cold start.
package config

import (
	"fmt"
	"strconv"
	"time"
)

// Config is the typed environment of every function and local tool.
type Config struct {
	TableName      string        // TABLE_NAME
	Endpoint       string        // DYNAMODB_ENDPOINT (or AWS_ENDPOINT_URL_DYNAMODB): DynamoDB Local's URL, empty in AWS
	Region         string        // AWS_REGION, default us-east-1
	ListShards     int           // LIST_SHARDS, default 1
	CursorSecret   string        // CURSOR_SECRET, signs list cursors
	RequestTimeout time.Duration // REQUEST_TIMEOUT, default 8s (below the 10 s Lambda timeout)
	RetentionDays  int           // RETENTION_DAYS, default 365; 0 turns the retention job off
}

// Local defaults for the developer tools (make run, make invoke, tests).
const (
	LocalTable    = "profiles-local"
	LocalEndpoint = "http://127.0.0.1:8000"
	localSecret   = "local-development-cursor-secret"
)

// FromEnv reads the configuration with getenv (os.Getenv in main).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:      getenv("TABLE_NAME"),
		Endpoint:       first(getenv("DYNAMODB_ENDPOINT"), getenv("AWS_ENDPOINT_URL_DYNAMODB")),
		Region:         first(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), "us-east-1"),
		CursorSecret:   getenv("CURSOR_SECRET"),
		ListShards:     1,
		RequestTimeout: 8 * time.Second,
		RetentionDays:  365,
	}
	if c.TableName == "" {
		return c, fmt.Errorf("TABLE_NAME is not set")
	}
	if v := getenv("LIST_SHARDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return c, fmt.Errorf("LIST_SHARDS must be an integer from 1 to 64, got %q", v)
		}
		c.ListShards = n
	}
	if v := getenv("RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, fmt.Errorf("RETENTION_DAYS must be a whole number of days (0 turns the job off), got %q", v)
		}
		c.RetentionDays = n
	}
	if v := getenv("REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("REQUEST_TIMEOUT must be a duration such as 8s, got %q", v)
		}
		c.RequestTimeout = d
	}
	if c.CursorSecret == "" {
		if c.Endpoint == "" {
			return c, fmt.Errorf("CURSOR_SECRET is not set")
		}
		c.CursorSecret = localSecret
	}
	return c, nil
}

// LocalEnv is getenv with the local defaults filled in: the developer tools
// talk to DynamoDB Local unless told otherwise.
func LocalEnv(getenv func(string) string) func(string) string {
	defaults := map[string]string{"TABLE_NAME": LocalTable, "DYNAMODB_ENDPOINT": LocalEndpoint}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		if k == "DYNAMODB_ENDPOINT" && getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" {
			return ""
		}
		return defaults[k]
	}
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
