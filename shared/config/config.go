// Package config reads a function's settings from the environment, once,
// at cold start.
package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/profiles-service/profiles/shared/budget"
)

// Config is the typed environment of every function and local tool.
type Config struct {
	// Local is LOCAL_MODE: the function runs against DynamoDB Local (make
	// run, make invoke, sam local with local/samcli/env.json). It is chosen
	// explicitly, never inferred from an endpoint: AWS_ENDPOINT_URL_DYNAMODB
	// is also a normal setting in AWS (a VPC or FIPS endpoint).
	Local          bool
	TableName      string // TABLE_NAME
	Endpoint       string // DYNAMODB_ENDPOINT: DynamoDB Local's URL; empty in AWS
	Region         string // AWS_REGION (or AWS_DEFAULT_REGION); empty leaves it to the SDK's chain
	ListShards     int    // LIST_SHARDS, 1 to MaxListShards, default 1
	CursorSecret   string // CURSOR_SECRET: the cursor key itself, in local mode only
	CursorSecretID string // CURSOR_SECRET_ARN: the Secrets Manager secret that holds it in AWS
	// Budget is the request's time budget: REQUEST_TIMEOUT (default 8s)
	// sets its Timeout, the rest are its defaults. template.yaml's Timeout
	// of the HTTP functions stays above its Timeout plus Margin (a test in
	// shared/lambdaapp holds them).
	Budget        budget.Budget
	RetentionDays int // RETENTION_DAYS, default 365; 0 turns the retention job off
	// EventBusName is EVENT_BUS_NAME: the EventBridge bus PublishProfileEvents
	// puts the profile change events on.
	EventBusName string
	// EventSource is EVENT_SOURCE, the events' source (default "profiles").
	EventSource string
	// EventsFile is EVENTS_FILE, local mode only: the file PublishProfileEvents
	// appends each event to, as a JSON line, instead of putting it on a bus.
	// Local mode publishes there unless EVENTBRIDGE_ENDPOINT is set; its
	// default is .local/events.jsonl, relative to the working directory (make
	// run's is the repository root).
	EventsFile string
	// EventBridgeEndpoint is EVENTBRIDGE_ENDPOINT, local mode only: the URL of
	// a local stand-in for EventBridge's PutEvents API (the tests' own), so
	// the real SDK client path runs without AWS.
	EventBridgeEndpoint string
}

// defaultEventsFile is where local mode appends the events by default.
const defaultEventsFile = ".local/events.jsonl"

// MaxListShards is the most list partitions a table may have: the
// template's ListShards parameter allows the same range.
const MaxListShards = 16

// MinCursorSecret is the shortest cursor secret accepted, in bytes.
const MinCursorSecret = 16

// FromEnv reads the configuration with getenv (os.Getenv in main).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Local:               truthy(getenv("LOCAL_MODE")),
		TableName:           getenv("TABLE_NAME"),
		Endpoint:            getenv("DYNAMODB_ENDPOINT"),
		Region:              first(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		CursorSecret:        getenv("CURSOR_SECRET"),
		CursorSecretID:      getenv("CURSOR_SECRET_ARN"),
		ListShards:          1,
		Budget:              budget.Default(),
		RetentionDays:       365,
		EventBusName:        getenv("EVENT_BUS_NAME"),
		EventSource:         first(getenv("EVENT_SOURCE"), "profiles"),
		EventsFile:          getenv("EVENTS_FILE"),
		EventBridgeEndpoint: getenv("EVENTBRIDGE_ENDPOINT"),
	}
	// sam local sets AWS_SAM_LOCAL in its containers.
	if truthy(getenv("AWS_SAM_LOCAL")) && !c.Local {
		return c, fmt.Errorf("sam local without the project's env file would call AWS with this machine's credentials: " +
			"pass --env-vars local/samcli/env.json (make sam-invoke and make sam-api write their own)")
	}
	if c.TableName == "" {
		return c, fmt.Errorf("TABLE_NAME is not set")
	}
	if v := getenv("LIST_SHARDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxListShards {
			return c, fmt.Errorf("LIST_SHARDS must be an integer from 1 to %d, got %q", MaxListShards, v)
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
		c.Budget.Timeout = d
	}
	if err := c.Budget.Check(); err != nil {
		return c, fmt.Errorf("REQUEST_TIMEOUT=%v: %w", c.Budget.Timeout, err)
	}
	if err := c.checkEvents(); err != nil {
		return c, err
	}
	if c.CursorSecret != "" && !c.Local {
		return c, fmt.Errorf("CURSOR_SECRET is for local mode only: in AWS the functions read the secret named by CURSOR_SECRET_ARN")
	}
	return c, nil
}

// checkEvents checks where the events go, and fills in local mode's
// default: a local run never reaches for a real bus with the fixed local
// credentials, so it writes the events to a file unless it is given a
// local PutEvents endpoint.
func (c *Config) checkEvents() error {
	if strings.HasPrefix(c.EventSource, "aws.") {
		return fmt.Errorf("EVENT_SOURCE must not begin with \"aws.\" (EventBridge keeps those for AWS's own events), got %q", c.EventSource)
	}
	switch {
	case !c.Local && (c.EventsFile != "" || c.EventBridgeEndpoint != ""):
		return fmt.Errorf("EVENTS_FILE and EVENTBRIDGE_ENDPOINT are for local mode only: in AWS the events go to the bus EVENT_BUS_NAME names")
	case c.EventsFile != "" && c.EventBridgeEndpoint != "":
		return fmt.Errorf("EVENTS_FILE and EVENTBRIDGE_ENDPOINT name two places to publish the events: set one")
	case c.Local && c.EventBridgeEndpoint == "" && c.EventsFile == "":
		c.EventsFile = defaultEventsFile
	}
	return nil
}

func truthy(v string) bool {
	b, _ := strconv.ParseBool(v)
	return b
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
