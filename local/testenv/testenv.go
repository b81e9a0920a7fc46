// Package testenv gives integration tests the real service on DynamoDB
// Local: it reuses the DynamoDB Local at $DYNAMODB_ENDPOINT or starts one
// per test binary, and gives each test its own table so tests run in
// parallel. Only tests import it.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"hash/fnv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/local/ddblocal"
	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

var (
	once     sync.Once
	endpoint string
	started  *ddblocal.Process
	startErr error
)

// Main runs the package's tests, then each check (which may turn a pass
// into a failure), and stops the DynamoDB Local it started.
func Main(m *testing.M, checks ...func(code int) int) {
	code := m.Run()
	for _, check := range checks {
		code = check(code)
	}
	started.Stop()
	os.Exit(code)
}

// WholeSuite reports whether the run is the package's whole suite against
// DynamoDB Local: no -run filter, not -short.
func WholeSuite() bool {
	run := flag.Lookup("test.run")
	return !testing.Short() && (run == nil || run.Value.String() == "")
}

// Root is the repository root.
func Root(tb testing.TB) string {
	tb.Helper()
	p, err := samtemplate.Find(".")
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Dir(p)
}

// Endpoint returns a DynamoDB Local endpoint, starting one if none answers
// at $DYNAMODB_ENDPOINT.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if e := os.Getenv("DYNAMODB_ENDPOINT"); e != "" && ddblocal.Reachable(e) {
			endpoint = e
			return
		}
		started, startErr = ddblocal.Start(context.Background(), Root(tb), 0, ddblocal.ShortRunJVMFlags)
		if startErr == nil {
			endpoint = started.Endpoint
		}
	})
	if startErr != nil {
		tb.Fatalf("DynamoDB Local: %v", startErr)
	}
	return endpoint
}

// Config is a local configuration on a fresh table of its own, deleted when
// the test ends, whose profile change events go to a file of its own
// (EventsFile, in the test's temporary folder).
func Config(tb testing.TB) config.Config {
	tb.Helper()
	cfg, err := config.FromEnv(devstack.LocalEnv(func(k string) string {
		switch k {
		case "DYNAMODB_ENDPOINT":
			return Endpoint(tb)
		case "AWS_REGION":
			return Region(tb)
		case "TABLE_NAME":
			return tableName(tb)
		case "EVENTS_FILE":
			return filepath.Join(tb.TempDir(), "events.jsonl")
		case "REQUEST_TIMEOUT":
			// The tests assert what holds at any speed, and a 2-core
			// machine running the whole suite against one DynamoDB Local
			// can take seconds for a write: a request's deadline here is
			// generous. The fault tests set their own short one.
			return testRequestTimeout
		}
		return ""
	}))
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// Region is the test's region, the same for every call of one test, so
// that each client of its table finds it (a subtest has its own: one that
// reaches its parent's table takes the parent's clients). Without -sharedDb, DynamoDB Local
// keeps one database per access key and region (DynamoDB Developer Guide,
// "DynamoDB local usage notes"; with -inMemory too: a table created in one
// region is not listed in another), and it serves one database's requests
// one at a time. On one database, make go-test's packages queued behind one
// another at one core of the JVM while the other core stood idle (156 s;
// 76 s with a region per test). Tests that run at the same time get
// different regions: in a process, each new test takes the next of
// regions, from a start that differs by package.
func Region(tb testing.TB) string {
	name := tb.Name()
	regionsMu.Lock()
	defer regionsMu.Unlock()
	r, ok := regionOf[name]
	if !ok {
		if regionOf == nil {
			h := fnv.New32a()
			_, _ = h.Write([]byte(filepath.Base(os.Args[0])))
			nextRegion = int(h.Sum32() >> 16) // taken modulo len(regions) below
			regionOf = map[string]string{}
		}
		r = regions[nextRegion%len(regions)]
		nextRegion++
		regionOf[name] = r
	}
	return r
}

var (
	regions    = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"}
	regionsMu  sync.Mutex
	regionOf   map[string]string // test name → region
	nextRegion int
)

// testRequestTimeout is the tests' REQUEST_TIMEOUT.
const testRequestTimeout = "30s"

func tableName(tb testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "-").Replace(tb.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("t-%s-%s", name, hex.EncodeToString(b[:]))
}

// Stack is the local service on its own table, and the local API in front
// of it on a real port.
type Stack struct {
	*devstack.Stack
	URL string
}

// NewStack starts the service on a fresh table for the test.
func NewStack(tb testing.TB) *Stack {
	tb.Helper()
	return NewStackWith(tb, Config(tb))
}

// NewStackWith starts the service with the configuration (a table of its own).
func NewStackWith(tb testing.TB, cfg config.Config) *Stack {
	tb.Helper()
	ctx := context.Background()
	ls, err := devstack.Start(ctx, Root(tb), cfg, func(string, ...any) {})
	if err != nil {
		tb.Fatal(err)
	}
	// The batches its event source gives up on: the test's, not make run's.
	ls.StreamFailures = filepath.Join(tb.TempDir(), "stream-failures.jsonl")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = devstack.DeleteTable(ctx, ls.DB, cfg.TableName)
	})
	gw, err := ls.Gateway()
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	tb.Cleanup(srv.Close)
	return &Stack{Stack: ls, URL: srv.URL}
}

// Token is a local admin token for the subject with the scopes.
func Token(tb testing.TB, sub string, scopes ...string) string {
	tb.Helper()
	return token(tb, gateway.RoleAdmin, sub, scopes)
}

// UserToken is what an end user's sign-in gives: a token of the user
// routes' audience, for the subject, with the scopes.
func UserToken(tb testing.TB, sub string, scopes ...string) string {
	tb.Helper()
	return token(tb, gateway.RoleUser, sub, scopes)
}

func token(tb testing.TB, role gateway.Role, sub string, scopes []string) string {
	tb.Helper()
	tpl, err := samtemplate.FindAndLoad(Root(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := gateway.SignRole(tpl, role, sub, scopes, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// DB is a client of the DynamoDB Local the tests use.
func DB(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	cfg := Config(tb)
	awsCfg, err := lambdaapp.AWSConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return dynamo.NewClient(awsCfg, cfg.Endpoint, true)
}
