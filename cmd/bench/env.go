package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/gateway"
	"github.com/profiles-service/profiles/local/meter"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
)

// env is what the sections measure: three tables, each behind its own local
// API, filled with the same profiles.
type env struct {
	o      options
	root   string
	cfg    config.Config // the small table's configuration
	small  *table        // o.small profiles, one list shard
	large  *table        // o.large profiles, one list shard
	shard  *table        // o.large profiles, o.shards list shards
	getID  string        // the profile the GETs read: the oldest, with 3 contacts
	client *http.Client
	token  string
}

// table is one table with the service in front of it on 127.0.0.1.
type table struct {
	*devstack.Stack
	bulk *dynamo.Store // writes with BatchWriteItem, to fill the table
	api  http.Handler  // the local API, as served at url
	url  string
	srv  *http.Server
}

// capacityHeader, on a request to the bench's API, asks for the read
// capacity the request consumed, summed over every DynamoDB call it made;
// the answer carries it in the same header.
const capacityHeader = "Bench-Read-Capacity"

func startEnv(ctx context.Context, o options, getenv func(string) string, p *progress) (*env, error) {
	tpl, err := samtemplate.Find(".")
	if err != nil {
		return nil, err
	}
	e := &env{o: o, root: filepath.Dir(tpl), client: &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 4 * o.concurrency, DisableCompression: true,
	}}}
	e.cfg, err = config.FromEnv(devstack.LocalEnv(getenv))
	if err != nil {
		return nil, err
	}
	if e.token, err = gateway.SignLocal(gateway.LocalSecret, "bench", []string{"profiles:read", "profiles:write"}, 24*time.Hour); err != nil {
		return nil, err
	}
	run := runID()
	for _, t := range []struct {
		dst    **table
		name   string
		shards int
	}{{&e.small, "small", 1}, {&e.large, "large", 1}, {&e.shard, "sharded", o.shards}} {
		cfg := e.cfg
		cfg.TableName, cfg.ListShards = fmt.Sprintf("bench-%s-%s", run, t.name), t.shards
		if *t.dst, err = startTable(ctx, e.root, cfg, p); err != nil {
			e.close(p)
			return nil, err
		}
	}
	e.cfg = e.small.Config
	// The profiles are not kept: the heap of this process, which the
	// measured handlers share, stays as small as a function's.
	data := dataset(o.large, time.Now().Add(-24*time.Hour))
	e.getID = data[0].ID
	jobs := []loadJob{{e.small.bulk, data[:o.small]}, {e.large.bulk, data}, {e.shard.bulk, data}}
	if err := load(ctx, jobs, o.loaders, p); err != nil {
		e.close(p)
		return nil, err
	}
	return e, nil
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = devstack.DeleteTable(ctx, t.DB, t.Config.TableName)
	t.Stack.Close()
}

func (e *env) close(p *progress) {
	p.logf("dropping the bench tables")
	// The small table's stack started DynamoDB Local if one did: close it last.
	e.shard.close()
	e.large.close()
	e.small.close()
}

// withCapacity counts, for a request that carries capacityHeader, the read
// capacity of every DynamoDB call the handlers make for it, and answers it
// in that header. The gateway writes its response only after the function
// returned, so the count is complete when the header is written.
func withCapacity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(capacityHeader) == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, m := meter.Start(r.Context())
		next.ServeHTTP(&capacityWriter{ResponseWriter: w, meter: m}, r.WithContext(ctx))
	})
}

type capacityWriter struct {
	http.ResponseWriter
	meter *meter.Meter
	wrote bool
}

func (w *capacityWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set(capacityHeader, strconv.FormatFloat(w.meter.Usage().Read, 'f', -1, 64))
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *capacityWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// errStatus is an answer other than the one expected.
type errStatus struct {
	method, path string
	status, want int
	body         string
}

func (e *errStatus) Error() string {
	return fmt.Sprintf("%s %s: %d (want %d): %s", e.method, e.path, e.status, e.want, e.body)
}

// do sends one request to the API at base and reads the whole answer.
func (e *env) do(ctx context.Context, method, base, path string, body io.Reader, want int, header ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		return nil, &errStatus{method, path, resp.StatusCode, want, string(b)}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp, err
}

// get is a measured GET of path on the API at base.
func (e *env) get(base, path string) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := e.do(ctx, http.MethodGet, base, path, nil, http.StatusOK)
		return err
	}
}

// readCapacity is the read capacity a GET of path consumes, asked three
// times: a page's cost must not vary between identical requests.
func (e *env) readCapacity(ctx context.Context, base, path string) (float64, error) {
	var units []float64
	for range 3 {
		resp, err := e.do(ctx, http.MethodGet, base, path, nil, http.StatusOK, capacityHeader, "1")
		if err != nil {
			return 0, err
		}
		u, err := strconv.ParseFloat(resp.Header.Get(capacityHeader), 64)
		if err != nil {
			return 0, fmt.Errorf("GET %s: no %s in the answer", path, capacityHeader)
		}
		units = append(units, u)
	}
	if units[0] != units[1] || units[1] != units[2] {
		return 0, fmt.Errorf("GET %s: read capacity varies between identical requests: %v", path, units)
	}
	if units[0] <= 0 {
		return 0, errors.New("GET " + path + ": no read capacity reported")
	}
	return units[0], nil
}

// getItemOf is the GetItem request the API sends for a GET of path, caught
// on its way to DynamoDB.
func (t *table) getItemOf(ctx context.Context, path, token string) (*dynamodb.GetItemInput, error) {
	ctx, m := meter.Start(ctx)
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	t.api.ServeHTTP(w, req)
	in, ok := m.First("GetItem").(*dynamodb.GetItemInput)
	if w.Code != http.StatusOK || !ok || m.Usage().Total() != 1 {
		return nil, fmt.Errorf("GET %s: %d, %v DynamoDB calls: %s", path, w.Code, m.Usage().Calls, w.Body)
	}
	return in, nil
}
