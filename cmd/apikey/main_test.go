package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/dynamo"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestCreateAndRevokeLocally runs make apikey and make apikey-revoke on
// DynamoDB Local: the key is printed once, stored as its hash, then revoked.
func TestCreateAndRevokeLocally(t *testing.T) {
	if testing.Short() {
		t.Skip("needs DynamoDB Local")
	}
	cfg := testenv.Config(t)
	env := map[string]string{"DYNAMODB_ENDPOINT": cfg.Endpoint, "TABLE_NAME": cfg.TableName}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-name", "partner-a"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	key := strings.TrimSpace(stdout.String())
	store := dynamo.New(testenv.DB(t), cfg.TableName, 1)
	t.Cleanup(func() { _ = devstack.DeleteTable(context.Background(), testenv.DB(t), cfg.TableName) })
	rec, err := store.APIKey(ctx, auth.HashAPIKey(key))
	if err != nil || rec.Name != "partner-a" || rec.Revoked {
		t.Fatalf("stored key %+v, %v", rec, err)
	}
	if err := run(ctx, []string{"-revoke", key}, getenv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if rec, err := store.APIKey(ctx, auth.HashAPIKey(key)); err != nil || !rec.Revoked {
		t.Fatalf("after -revoke: %+v, %v", rec, err)
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
