package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/dynamo"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// local runs the command against a table of its own on DynamoDB Local,
// and is that table's store.
type local struct {
	t     *testing.T
	env   map[string]string
	Store *dynamo.Store
}

func newLocal(t *testing.T) *local {
	t.Helper()
	if testing.Short() {
		t.Skip("needs DynamoDB Local")
	}
	cfg := testenv.Config(t)
	t.Cleanup(func() { _ = devstack.DeleteTable(context.Background(), testenv.DB(t), cfg.TableName) })
	return &local{t: t, env: map[string]string{"DYNAMODB_ENDPOINT": cfg.Endpoint, "TABLE_NAME": cfg.TableName, "AWS_REGION": cfg.Region},
		Store: dynamo.New(testenv.DB(t), cfg.TableName, 1)}
}

// run runs the command with args: its stdout, stderr and error.
func (l *local) run(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return l.env[k] }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// create makes a key with make apikey's arguments and returns it.
func (l *local) create(args ...string) string {
	l.t.Helper()
	out, errOut, err := l.run(args...)
	if err != nil {
		l.t.Fatalf("apikey %v: %v: %s", args, err, errOut)
	}
	return strings.TrimSpace(out)
}

// authorize asks the API-key authorizer, on the same table, at the time
// at, whether it accepts key.
func authorize(t *testing.T, keys auth.Keys, key string, at time.Time) bool {
	t.Helper()
	resp, err := api.Authorizer(keys, func() time.Time { return at })(context.Background(),
		events.APIGatewayV2CustomAuthorizerV2Request{Headers: map[string]string{"x-api-key": key}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.IsAuthorized
}

// TestCreateAndRevokeLocally runs make apikey and make apikey-revoke on
// DynamoDB Local: the key is printed once, stored as its hash, accepted by
// the authorizer, then revoked by its name and refused.
func TestCreateAndRevokeLocally(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	ctx := context.Background()
	key := l.create("-name", "partner-a")
	rec, err := l.Store.APIKey(ctx, auth.HashAPIKey(key))
	if err != nil || rec.Name != "partner-a" || rec.Revoked || !rec.ExpireTime.IsZero() {
		t.Fatalf("stored key %+v, %v", rec, err)
	}
	if !authorize(t, l.Store, key, time.Now()) {
		t.Fatal("the authorizer refuses a new key")
	}
	if _, errOut, err := l.run("-revoke", "partner-a"); err != nil || !strings.Contains(errOut, "revoked partner-a") {
		t.Fatalf("-revoke partner-a: %v: %s", err, errOut)
	}
	if authorize(t, l.Store, key, time.Now()) {
		t.Error("the authorizer accepts a key revoked by its name")
	}
	if _, _, err := l.run("-revoke", "partner-z"); err == nil || !strings.Contains(err.Error(), `no key is named "partner-z"`) {
		t.Errorf("-revoke of an unknown name: %v", err)
	}
	// make apikey-revoke KEY=: the key itself, for keys created before names.
	other := l.create("-name", "partner-b")
	if _, _, err := l.run("-revoke-key", other); err != nil {
		t.Fatal(err)
	}
	if authorize(t, l.Store, other, time.Now()) {
		t.Error("the authorizer accepts a key revoked by -revoke-key")
	}
}

// TestListShowsNamesNeverKeys: make apikey-list shows each key's name,
// creation, last-used day, expiry and status, and neither a key nor its
// hash.
func TestListShowsNamesNeverKeys(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	now := time.Now()
	a := l.create("-name", "partner-a", "-expires", "2099-01-31")
	b := l.create("-name", "partner-b")
	if !authorize(t, l.Store, a, now) {
		t.Fatal("the authorizer refuses partner-a")
	}
	if _, _, err := l.run("-revoke", "partner-b"); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := l.run("-list")
	if err != nil {
		t.Fatalf("-list: %v: %s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("-list printed %d lines, want a header and 2 keys:\n%s", len(lines), out)
	}
	for i, want := range [][]string{
		{"NAME", "CREATED", "LAST USED", "EXPIRES", "STATUS"},
		{"partner-a", now.UTC().Format("2006-01-02T"), auth.DayOf(now), "2099-01-31T00:00:00Z", "active"},
		{"partner-b", "never", "never", "revoked"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	// Column by column where a value repeats: partner-b was never used and
	// never expires.
	if f := strings.Fields(lines[2]); len(f) != 5 || f[2] != "never" || f[3] != "never" || f[4] != "revoked" {
		t.Errorf("partner-b's line %q: want LAST USED never, EXPIRES never, STATUS revoked", lines[2])
	}
	for _, secret := range []string{a, b, auth.HashAPIKey(a), auth.HashAPIKey(b), a[:12], auth.HashAPIKey(a)[:12]} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("-list shows %q, a key or its hash:\n%s", secret, out)
		}
	}
}

// TestDuplicateNameIsRefused: a second make apikey with a taken name fails,
// prints no key and writes nothing.
func TestDuplicateNameIsRefused(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	l.create("-name", "partner-a")
	before := tableItems(t, l)
	out, _, err := l.run("-name", "partner-a")
	if err == nil || !strings.Contains(err.Error(), `a key named "partner-a" exists`) {
		t.Fatalf("a second partner-a: %v", err)
	}
	if out != "" {
		t.Errorf("printed %q for a refused key", out)
	}
	if after := tableItems(t, l); after != before {
		t.Errorf("the refused key wrote: %d items before, %d after", before, after)
	}
	if keys, err := l.Store.APIKeys(context.Background()); err != nil || len(keys) != 1 {
		t.Errorf("listed %+v, %v; want the first partner-a only", keys, err)
	}
}

// tableItems counts the items of the test's table.
func tableItems(t *testing.T, l *local) int {
	t.Helper()
	out, err := testenv.DB(t).Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(l.env["TABLE_NAME"]),
		ConsistentRead: aws.Bool(true), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// TestExpiredKeyIsRefused: a key made with -expires 30d is accepted by
// the authorizer until then, and refused from then on: the authorizer's
// clock is moved, nothing sleeps.
func TestExpiredKeyIsRefused(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	key := l.create("-name", "partner-a", "-expires", "30d")
	rec, err := l.Store.APIKey(context.Background(), auth.HashAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if want := rec.CreateTime.Add(30 * 24 * time.Hour); !rec.ExpireTime.Equal(want) {
		t.Fatalf("expires %s, want %s (created %s + 30 days)", rec.ExpireTime, want, rec.CreateTime)
	}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{rec.ExpireTime.Add(-time.Minute), true},
		{rec.ExpireTime, false},
		{rec.ExpireTime.Add(24 * time.Hour), false},
	} {
		if got := authorize(t, l.Store, key, tc.at); got != tc.want {
			t.Errorf("authorized at %s: %v, want %v (expires %s)", tc.at, got, tc.want, rec.ExpireTime)
		}
	}
}

// countingKeys counts the last-used writes the authorizer asks of the store.
type countingKeys struct {
	*dynamo.Store
	marks atomic.Int32
}

func (c *countingKeys) MarkAPIKeyUsed(ctx context.Context, hash, day string) error {
	c.marks.Add(1)
	return c.Store.MarkAPIKeyUsed(ctx, hash, day)
}

// TestLastUsedDayIsWrittenOncePerDay: many authorizations in a day write
// the last-used day once; the next day once more; the listing shows it.
func TestLastUsedDayIsWrittenOncePerDay(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	key := l.create("-name", "partner-a")
	keys := &countingKeys{Store: l.Store}
	day1 := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	for i, at := range []time.Time{day1, day1.Add(time.Minute), day1.Add(23 * time.Hour), day1.Add(24 * time.Hour), day1.Add(25 * time.Hour)} {
		if !authorize(t, keys, key, at) {
			t.Fatalf("call %d at %s refused", i, at)
		}
	}
	if n := keys.marks.Load(); n != 2 {
		t.Errorf("%d last-used writes over two days, want 2", n)
	}
	rec, err := l.Store.APIKey(context.Background(), auth.HashAPIKey(key))
	if want := auth.DayOf(day1.Add(24 * time.Hour)); err != nil || rec.LastUsedDay != want {
		t.Errorf("last used %q, %v; want %s", rec.LastUsedDay, err, want)
	}
}

// TestRunRefusals covers what can go wrong before a key is written, locally
// and with -aws, without DynamoDB or an AWS account: each error says what to do.
func TestRunRefusals(t *testing.T) {
	closed := closedEndpoint(t)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string // substrings of the error
	}{
		{"no name or key", nil, nil, []string{"usage"}},
		{"name and key", []string{"-name", "a", "-revoke", "b"}, nil, []string{"usage"}},
		{"list and revoke", []string{"-list", "-revoke", "b"}, nil, []string{"usage"}},
		{"expires without a name", []string{"-list", "-expires", "30d"}, nil, []string{"usage"}},
		{"a name with a space", []string{"-name", "partner a"}, nil, []string{"name holds only"}},
		{"a key as a name", []string{"-name", "pk_" + strings.Repeat("A", 43)}, nil, []string{"is a key, not a name"}},
		{"a key to -revoke", []string{"-revoke", "pk_" + strings.Repeat("A", 43)}, nil, []string{"not the key", "-revoke-key"}},
		{"an expiry passed", []string{"-name", "a", "-expires", "2001-01-01"}, nil, []string{"not after now"}},
		{"an expiry unread", []string{"-name", "a", "-expires", "soon"}, nil, []string{"90d", "2026-12-31"}},
		{"local table not running", []string{"-name", "partner-a"}, map[string]string{"DYNAMODB_ENDPOINT": closed},
			[]string{"nothing answers at " + closed, "make run", "-aws"}},
		{"aws without TABLE_NAME", []string{"-aws", "-name", "partner-a"}, nil,
			[]string{"TABLE_NAME", "TableName"}},
		{"aws with a local endpoint", []string{"-aws", "-revoke", "k"}, map[string]string{"TABLE_NAME": "profiles-Table-X", "DYNAMODB_ENDPOINT": closed},
			[]string{"DYNAMODB_ENDPOINT", "unset it"}},
		{"aws with an SDK endpoint override", []string{"-aws", "-name", "a"}, map[string]string{"TABLE_NAME": "t", "AWS_ENDPOINT_URL_DYNAMODB": closed},
			[]string{"AWS_ENDPOINT_URL_DYNAMODB"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &stdout, &stderr)
			if err == nil {
				t.Fatalf("no error; stdout %q", stdout.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("printed %q despite the error", stdout.String())
			}
		})
	}
}

// closedEndpoint is a local URL nothing listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return fmt.Sprintf("http://%s", addr)
}
