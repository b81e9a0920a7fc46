package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/local/ddblocal"
	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
)

// env is what the sections measure: three tables, each behind its own local
// API, filled with the same profiles.
type env struct {
	o     options
	root  string
	cfg   config.Config // the small table's configuration
	small *table        // o.small profiles, one list shard
	large *table        // o.large profiles, one list shard
	shard *table        // o.small profiles, o.shards list shards
	getID string        // the profile the GETs read: the oldest, with 3 contacts
	http  *http.Client  // under every client of the API: newHTTPClient
	tpl   *samtemplate.Template
	token string // an admin's
	// interrupt ends only when the run is interrupted: what the -timeout
	// budget does not cover (building the bootstraps) runs on it.
	interrupt context.Context
}

// table is one table with the service in front of it on 127.0.0.1.
type table struct {
	*devstack.Stack
	bulk   *dynamo.Store // writes with BatchWriteItem, to fill the table
	api    http.Handler  // the local API, as served at url
	url    string
	client *client.Client // the admin's client of the API at url
	srv    *http.Server
	keep   bool // -reuse: the table stays when the run ends
}

func startEnv(ctx context.Context, o options, getenv func(string) string, p *progress) (*env, error) {
	tpl, err := samtemplate.Find(".")
	if err != nil {
		return nil, err
	}
	// Enough connections for the most concurrent requests of any section:
	// the mixed load's clients, the hot profile's writers, 4 × -c.
	e := &env{o: o, root: filepath.Dir(tpl), http: newHTTPClient(max(4*o.concurrency, mixedClients, slices.Max(hotWriters)))}
	e.cfg, err = config.FromEnv(devstack.LocalEnv(getenv))
	if err != nil {
		return nil, err
	}
	if e.tpl, err = samtemplate.FindAndLoad(e.root); err != nil {
		return nil, err
	}
	if e.token, err = gateway.SignRole(e.tpl, gateway.RoleAdmin, "bench", []string{"profiles:read", "profiles:write"}, 24*time.Hour); err != nil {
		return nil, err
	}
	if o.reuse && !ddblocal.Reachable(e.cfg.Endpoint) {
		p.logf("-reuse: no DynamoDB Local answers at %s, so this run starts one and its tables go with it: start make run (or one at DYNAMODB_ENDPOINT) to keep them for the next run", e.cfg.Endpoint)
	}
	run := runID()
	for _, t := range []struct {
		dst    **table
		name   string
		size   int
		shards int
	}{{&e.small, "small", o.small, 1}, {&e.large, "large", o.large, 1}, {&e.shard, "sharded", o.small, o.shards}} {
		cfg := e.cfg
		cfg.TableName, cfg.ListShards = fmt.Sprintf("bench-%s-%s", run, t.name), t.shards
		if o.reuse {
			// Named by what it holds, so a run of other sizes loads its own.
			cfg.TableName = fmt.Sprintf("bench-%s-%d-%dshards", t.name, t.size, t.shards)
		}
		if *t.dst, err = startTable(ctx, e.root, cfg, p); err != nil {
			e.close(p)
			return nil, err
		}
		(*t.dst).keep = o.reuse
		(*t.dst).client = e.apiClient((*t.dst).url)
	}
	e.cfg = e.small.Config
	// The profiles are not kept: the heap of this process, which the
	// measured handlers share, stays as small as a function's.
	data := dataset(o.large, time.Now().Add(-24*time.Hour))
	e.getID = data[0].ID
	var jobs []loadJob
	for _, j := range []struct {
		t *table
		n int
	}{{e.small, o.small}, {e.large, o.large}, {e.shard, o.small}} {
		if o.reuse {
			if id, ok := j.t.loaded(ctx, j.n); ok {
				p.logf("-reuse: %s holds its %s profiles already", j.t.Config.TableName, count(j.n))
				if j.t == e.large {
					e.getID = id
				}
				continue
			}
		}
		jobs = append(jobs, loadJob{j.t.bulk, data[:j.n]})
	}
	if len(o.sections) > 0 && !slices.ContainsFunc(o.sections, func(s string) bool { return s != "bulk" && s != "coldstart" }) {
		jobs = nil // the sections asked for read none of these tables
	}
	if err := load(ctx, jobs, o.loaders, p); err != nil {
		e.close(p)
		return nil, err
	}
	if o.reuse {
		for _, j := range jobs {
			t := map[*dynamo.Store]*table{e.small.bulk: e.small, e.large.bulk: e.large, e.shard.bulk: e.shard}[j.store]
			if err := t.markLoaded(ctx, len(j.profiles), j.profiles[0].ID); err != nil {
				e.close(p)
				return nil, err
			}
		}
	}
	return e, nil
}

// loadedKey is the item a -reuse run leaves in a table it loaded: how many
// profiles it holds and the oldest one's id (the one the GETs read). No
// index holds it, so no listing sees it.
var loadedKey = map[string]types.AttributeValue{
	"PK": &types.AttributeValueMemberS{Value: "BENCH#LOADED"}, "SK": &types.AttributeValueMemberS{Value: "BENCH#LOADED"}}

// loaded reports whether an earlier -reuse run loaded n profiles into the
// table, and the oldest one's id.
func (t *table) loaded(ctx context.Context, n int) (string, bool) {
	out, err := t.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.Config.TableName, Key: loadedKey, ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return "", false
	}
	num, _ := out.Item["n"].(*types.AttributeValueMemberN)
	id, _ := out.Item["getID"].(*types.AttributeValueMemberS)
	if num == nil || id == nil || num.Value != strconv.Itoa(n) {
		return "", false
	}
	return id.Value, true
}

// markLoaded records that the table holds n profiles, the oldest oldestID.
func (t *table) markLoaded(ctx context.Context, n int, oldestID string) error {
	item := maps.Clone(loadedKey)
	item["n"] = &types.AttributeValueMemberN{Value: strconv.Itoa(n)}
	item["getID"] = &types.AttributeValueMemberS{Value: oldestID}
	_, err := t.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.Config.TableName, Item: item})
	return err
}

func runID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func startTable(ctx context.Context, root string, cfg config.Config, p *progress) (*table, error) {
	ls, err := devstack.Start(ctx, root, cfg, p.logf)
	if err != nil {
		return nil, err
	}
	t := &table{Stack: ls, bulk: bulkload.Store(ls.DB, cfg.TableName, cfg.ListShards)}
	gw, err := ls.Gateway()
	if err != nil {
		t.close()
		return nil, err
	}
	t.api = withCapacity(gw)
	if t.srv, err = serve(t.api); err != nil {
		t.close()
		return nil, err
	}
	t.url = "http://" + t.srv.Addr
	return t, nil
}

// serve serves h on a free port of 127.0.0.1 (the server's Addr).
func serve(h http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Addr: ln.Addr().String(), Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}

// close stops the API and drops the table; the DynamoDB Local the first
// table started, if any, stops when that table closes.
func (t *table) close() {
	if t == nil {
		return
	}
	if t.srv != nil {
		_ = t.srv.Close()
	}
	if !t.keep {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = devstack.DeleteTable(ctx, t.DB, t.Config.TableName)
	}
	t.Close()
}

func (e *env) close(p *progress) {
	if e.o.reuse {
		p.logf("keeping the bench tables for the next -reuse run")
	} else {
		p.logf("dropping the bench tables")
	}
	// The small table's stack started DynamoDB Local if one did: close it last.
	e.shard.close()
	e.large.close()
	e.small.close()
}
