// Package localstack assembles the service on a developer's machine:
// DynamoDB Local (reused or started), the table from template.yaml, and
// every function's handler, for make run, make invoke and the tests.
package localstack

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/ddblocal"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/gateway"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/template"
)

// Stack is the local service.
type Stack struct {
	Config   config.Config
	Template *template.Template
	DB       *dynamodb.Client
	Deps     lambdaapp.Deps
	Handlers map[string]lambda.Handler
	ddb      *ddblocal.Process
	// CreatedTable says whether Start created the table.
	CreatedTable bool
}

// Start reuses the DynamoDB Local at cfg.Endpoint or starts one on its
// port, creates the table if missing and builds every function's handler.
// root is the repository root (where template.yaml is).
func Start(ctx context.Context, root string, cfg config.Config, logf func(string, ...any)) (*Stack, error) {
	tplPath, err := template.Find(root)
	if err != nil {
		return nil, err
	}
	tpl, err := template.Load(tplPath)
	if err != nil {
		return nil, err
	}
	s := &Stack{Config: cfg, Template: tpl}
	if !ddblocal.Reachable(cfg.Endpoint) {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
			return nil, fmt.Errorf("nothing answers at DYNAMODB_ENDPOINT=%s and it is not a local address to start DynamoDB Local on", cfg.Endpoint)
		}
		port, _ := strconv.Atoi(u.Port())
		logf("starting DynamoDB Local on port %d", port)
		if s.ddb, err = ddblocal.Start(ctx, root, port); err != nil {
			return nil, err
		}
	} else {
		logf("reusing DynamoDB at %s", cfg.Endpoint)
	}
	if s.DB, err = dynamo.NewClient(ctx, cfg.Endpoint, cfg.Region); err != nil {
		s.Close()
		return nil, err
	}
	if s.CreatedTable, err = dynamo.EnsureTable(ctx, s.DB, tpl.Table.CreateTableInput(cfg.TableName), tpl.Table.TimeToLiveSpecification.AttributeName); err != nil {
		s.Close()
		return nil, fmt.Errorf("create table %s: %w", cfg.TableName, err)
	}
	if s.CreatedTable {
		logf("created table %s from template.yaml", cfg.TableName)
	}
	s.Deps = lambdaapp.DepsFor(s.DB, cfg)
	s.Handlers = map[string]lambda.Handler{}
	for _, fn := range tpl.Functions {
		if s.Handlers[fn.Name], err = lambdaapp.Handler(s.Deps, fn.Name); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Logf is a logf for Start that writes each line to w.
func Logf(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
}

// Gateway is the local API Gateway in front of the handlers.
func (s *Stack) Gateway() (*gateway.Gateway, error) {
	return gateway.New(s.Template, s.Handlers, auth.LocalSecret)
}

// Close stops the DynamoDB Local that Start started, if any.
func (s *Stack) Close() {
	s.ddb.Stop()
}
