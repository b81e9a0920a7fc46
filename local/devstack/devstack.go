// Package devstack assembles the service on a developer's machine:
// DynamoDB Local (reused or started), the table from template.yaml, and
// every function's handler, each on a DynamoDB client of its own, for make
// run, make invoke, make bench and the tests.
package devstack

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/local/aws/iam"
	"github.com/profiles-service/profiles/local/ddblocal"
	"github.com/profiles-service/profiles/local/meter"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/metrics"
)

// Local defaults of the developer tools (make run, make invoke, tests).
const (
	LocalTable    = "profiles-local"
	LocalEndpoint = "http://127.0.0.1:8000"
)

// LocalEnv is getenv with the local defaults filled in: local mode, on the
// DynamoDB Local at LocalEndpoint and the table LocalTable unless told otherwise.
func LocalEnv(getenv func(string) string) func(string) string {
	defaults := map[string]string{"TABLE_NAME": LocalTable, "DYNAMODB_ENDPOINT": LocalEndpoint, "LOCAL_MODE": "1"}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return defaults[k]
	}
}

// Stack is the local service.
type Stack struct {
	Config   config.Config
	Template *samtemplate.Template
	// AWS is the developer's AWS configuration: the local credentials, no
	// IAM policy, metered. DB and Store use it to set up and inspect the table.
	AWS   aws.Config
	DB    *dynamodb.Client
	Store *dynamo.Store
	// Handlers holds every function of template.yaml by its logical id,
	// each built on clients of its own.
	Handlers map[string]lambda.Handler
	// StreamFailures is where EventSource appends the batches it gives up
	// on, the local on-failure destination that make redrive reads;
	// streams.DefaultFailureFile when empty.
	StreamFailures string
	ddb            *ddblocal.Process
	// CreatedTable says whether Start created the table.
	CreatedTable bool
}

// Option is a choice of how Start and Handlers build the functions.
type Option func(*options)

type options struct {
	metrics io.Writer
}

// WithMetrics makes each function write its CloudWatch EMF lines to w with
// its own Function dimension, as each Lambda writes them to its log in
// AWS (make run writes them with the request log). Without it the local
// functions write none.
func WithMetrics(w io.Writer) Option {
	return func(o *options) { o.metrics = &lockedWriter{w: w} }
}

// lockedWriter is w written by one function at a time: every function's
// emitter shares it, and a line must not interleave with another.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Start reuses the DynamoDB Local at cfg.Endpoint or starts one on its
// port, creates the table if missing and builds every function's handler.
// root is the repository root (where template.yaml is).
func Start(ctx context.Context, root string, cfg config.Config, logf func(string, ...any), opts ...Option) (*Stack, error) {
	if !cfg.Local {
		return nil, fmt.Errorf("the local stack runs in local mode only (LOCAL_MODE=1)")
	}
	tplPath, err := samtemplate.Find(root)
	if err != nil {
		return nil, err
	}
	tpl, err := samtemplate.Load(tplPath)
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
		if s.ddb, err = ddblocal.Start(ctx, root, port, ddblocal.ServerJVMFlags); err != nil {
			return nil, err
		}
	} else {
		logf("reusing DynamoDB at %s", cfg.Endpoint)
	}
	if s.AWS, err = lambdaapp.AWSConfig(ctx, cfg); err != nil {
		s.Close()
		return nil, err
	}
	// Every client of the stack can be metered (local/meter): a call made
	// without a meter in its context goes out as the code sent it.
	meter.Install(&s.AWS)
	s.DB = dynamo.NewClient(s.AWS, cfg.Endpoint, true)
	s.Store = dynamo.New(s.DB, cfg.TableName, cfg.ListShards, dynamo.WithBudget(cfg.Budget))
	if s.CreatedTable, err = EnsureTable(ctx, s.DB, tpl.Table.CreateTableInput(cfg.TableName), tpl.Table.TimeToLiveSpecification.AttributeName); err != nil {
		s.Close()
		return nil, fmt.Errorf("create table %s: %w", cfg.TableName, err)
	}
	if s.CreatedTable {
		logf("created table %s from template.yaml", cfg.TableName)
	}
	if s.Handlers, err = Handlers(ctx, tpl, cfg, s.AWS, opts...); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Handlers builds each function of the template as lambdaapp.Start would
// in AWS, on a copy of awsCfg of its own that enforces the function's IAM
// policy from template.yaml (local/aws/iam), recording its calls in iam.Calls.
func Handlers(ctx context.Context, tpl *samtemplate.Template, cfg config.Config, awsCfg aws.Config, opts ...Option) (map[string]lambda.Handler, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	byName := map[string]lambdaapp.Function{}
	for _, f := range lambdaapp.All() {
		byName[f.Name] = f
	}
	// The local table and bus stand for the template's: a policy naming
	// them names what the config names.
	res := tpl.Resolver()
	res.Names[tpl.Table.Name] = cfg.TableName
	if cfg.EventBusName != "" {
		for _, bus := range tpl.ResourcesOfType("AWS::Events::EventBus") {
			res.Names[bus] = cfg.EventBusName
		}
	}
	handlers := map[string]lambda.Handler{}
	for _, fn := range tpl.Functions {
		f, ok := byName[fn.Name]
		if !ok {
			return nil, fmt.Errorf("template.yaml declares %s, which lambdaapp.All does not build", fn.Name)
		}
		policy, err := iam.PolicyOf(res, fn)
		if err != nil {
			return nil, err
		}
		fnCfg := awsCfg.Copy()
		iam.Install(&fnCfg, policy, iam.Calls)
		env := lambdaapp.Env{Config: cfg, AWS: fnCfg}
		if o.metrics != nil {
			env.Metrics = metrics.NewEmitter(o.metrics, fn.Name)
		}
		h, err := f.Handler(ctx, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn.Name, err)
		}
		handlers[fn.Name] = h
	}
	return handlers, nil
}

// Logf is a logf for Start that writes each line to w.
func Logf(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
}

// Gateway is the local API Gateway in front of the handlers.
func (s *Stack) Gateway() (*gateway.Gateway, error) {
	return gateway.New(s.Template, s.Handlers, gateway.LocalSecret)
}

// Close stops the DynamoDB Local that Start started, if any.
func (s *Stack) Close() {
	s.ddb.Stop()
}
