// Package lambdaapp wires a function: configuration, the AWS clients, the
// store and the function's handler. Each functions/<name>/main.go starts
// one of its Functions, named in Go, so the compiler checks the wiring.
package lambdaapp

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/config"
	"github.com/profiles-service/profiles/shared/logging"
	"github.com/profiles-service/profiles/shared/metrics"
)

// Function is one Lambda function of the service: its logical id in
// template.yaml and how its handler is built.
type Function struct {
	Name  string
	build func(ctx context.Context, env Env) (lambda.Handler, error)
}

// Env is what a function is built from: its configuration and the AWS
// configuration its clients share (credentials, region, retries; locally
// also the middleware that enforces the function's IAM policy).
type Env struct {
	Config config.Config
	AWS    aws.Config
	// Metrics writes the function's EMF lines (nil: the default emitter,
	// when one is set). Start writes them to stdout, as Lambda expects;
	// the local stack gives each function one of its own.
	Metrics *metrics.Emitter
}

// Handler builds the function's Lambda handler: it takes the raw event as
// Lambda delivers it and returns the raw response, so the local gateway and
// make invoke run exactly what runs in AWS.
func (f Function) Handler(ctx context.Context, env Env) (lambda.Handler, error) {
	h, err := f.build(ctx, env)
	if err != nil || env.Metrics == nil {
		return h, err
	}
	return emitting{h, env.Metrics}, nil
}

// emitting is a handler whose invocations' metrics go to its own emitter.
type emitting struct {
	lambda.Handler
	metrics *metrics.Emitter
}

// Invoke runs the handler with the function's emitter in its context.
func (h emitting) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return h.Handler.Invoke(metrics.WithEmitter(ctx, h.metrics), payload)
}

// StartHTTP runs the function of one endpoint of the API in the Lambda
// runtime.
func StartHTTP(e api.Endpoint) { Start(HTTP(e)) }

// Start runs the function in the Lambda runtime. A function that cannot be
// built logs why and exits, so Lambda reports an init error at once.
func Start(f Function) {
	slog.SetDefault(logging.New(os.Stdout, logging.LevelFromEnv(os.Getenv)))
	// The metrics' Function dimension is the function's name in AWS, which
	// holds the stack's name: two stacks in one account never mix.
	emitter := metrics.NewEmitter(os.Stdout, cmp.Or(os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), f.Name))
	ctx := context.Background()
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		fatal(f, "configuration", err)
	}
	awsCfg, err := AWSConfig(ctx, cfg)
	if err != nil {
		fatal(f, "AWS configuration", err)
	}
	h, err := f.Handler(ctx, Env{Config: cfg, AWS: awsCfg, Metrics: emitter})
	if err != nil {
		fatal(f, "startup", err)
	}
	lambda.Start(h)
}

func fatal(f Function, stage string, err error) {
	slog.Error(stage, "function", f.Name, "error", err.Error())
	os.Exit(1)
}

// Others are the functions of the service that serve no HTTP route: each
// is a Function variable of this package, which its functions/ main
// starts with Start.
var Others = []Function{APIKeyAuthorizer, RetentionPurge, PublishProfileEvents}

// All is every function of the service: the local stack builds each one
// that template.yaml declares, and a test holds the two to each other.
func All() []Function {
	fs := slices.Clone(Others)
	for _, e := range api.Endpoints() {
		fs = append(fs, HTTP(e))
	}
	return fs
}

// jsonHandler is a Lambda handler made from a typed function: it decodes
// the event and encodes the result itself. lambda.NewHandler would do the
// same by reflection, slower, and hands back a buffer it reuses, which
// races when the local gateway invokes one handler concurrently.
type jsonHandler[E, R any] func(context.Context, E) (R, error)

// Invoke runs the function on a raw event and returns the raw result.
func (f jsonHandler[E, R]) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var event E
	if err := json.Unmarshal(payload, &event); err != nil {
		return nil, err
	}
	resp, err := f(ctx, event)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}
