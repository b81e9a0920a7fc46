package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/local/devstack"
	"github.com/profiles-service/profiles/local/meter"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/logging"
)

// fakeDynamo answers TransactWriteItems by keeping each transaction's first
// Put item and GetItem with the item kept last: just enough DynamoDB for
// the GET path, with no database time at all.
type fakeDynamo struct {
	mu   sync.Mutex
	item json.RawMessage
}

func (f *fakeDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch op := r.Header.Get("X-Amz-Target"); {
	case strings.HasSuffix(op, ".TransactWriteItems"):
		var in struct {
			TransactItems []struct {
				Put struct{ Item json.RawMessage }
			}
		}
		_ = json.Unmarshal(body, &in)
		f.mu.Lock()
		f.item = in.TransactItems[0].Put.Item
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{}`)
	case strings.HasSuffix(op, ".GetItem"):
		f.mu.Lock()
		item := f.item
		f.mu.Unlock()
		_, _ = w.Write([]byte(`{"Item":` + string(item) + `}`))
	default:
		http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
	}
}

// BenchmarkServicePath times GET /profiles/{id} through the local gateway
// (JWT check, v2 event JSON, lambda.Handler.Invoke, the adapter, the
// handler and the store) against the same GetItem sent directly, both on a
// DynamoDB that answers at once: the difference is the service's own cost.
// go test -run=^$ -bench=ServicePath -benchmem -cpuprofile=cpu.out ./cmd/bench
func BenchmarkServicePath(b *testing.B) {
	slog.SetDefault(logging.New(io.Discard, slog.LevelInfo))
	ddb := httptest.NewServer(&fakeDynamo{})
	defer ddb.Close()
	ctx := context.Background()
	cfg, err := config.FromEnv(devstack.LocalEnv(func(k string) string {
		return map[string]string{"DYNAMODB_ENDPOINT": ddb.URL, "TABLE_NAME": "bench"}[k]
	}))
	if err != nil {
		b.Fatal(err)
	}
	awsCfg, err := lambdaapp.AWSConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	tplPath, err := samtemplate.Find(".")
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := samtemplate.Load(tplPath)
	if err != nil {
		b.Fatal(err)
	}
	meter.Install(&awsCfg)
	handlers, err := devstack.Handlers(ctx, tpl, cfg, awsCfg)
	if err != nil {
		b.Fatal(err)
	}
	gw, err := gateway.New(tpl, handlers, gateway.LocalSecret)
	if err != nil {
		b.Fatal(err)
	}
	p := dataset(1, time.Now())[0]
	db := dynamo.NewClient(awsCfg, cfg.Endpoint, true)
	if err := dynamo.New(db, cfg.TableName, 1).Create(ctx, p, nil); err != nil {
		b.Fatal(err)
	}
	token, err := gateway.SignRole(tpl, gateway.RoleAdmin, "bench", []string{"profiles:read"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("api", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, "/profiles/"+p.ID, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
	b.Run("invoke", func(b *testing.B) {
		b.ReportAllocs()
		event, err := os.ReadFile("../../events/get-profile.json")
		if err != nil {
			b.Fatal(err)
		}
		event = bytes.ReplaceAll(event, []byte("6006dda272f002519c3eb505"), []byte(p.ID))
		for b.Loop() {
			if _, err := handlers["GetProfile"].Invoke(ctx, event); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		mctx, m := meter.Start(ctx)
		req := httptest.NewRequestWithContext(mctx, http.MethodGet, "/profiles/"+p.ID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		gw.ServeHTTP(httptest.NewRecorder(), req)
		in := m.First("GetItem").(*dynamodb.GetItemInput)
		for b.Loop() {
			if _, err := db.GetItem(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
