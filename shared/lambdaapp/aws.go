package lambdaapp

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/profiles-service/profiles/shared/config"
)

// localCredentials are the fixed credentials of local mode. DynamoDB Local
// keeps a table per access key and region, so every local tool uses these.
var localCredentials = credentials.NewStaticCredentialsProvider("local", "local", "")

// AWSConfig is the AWS configuration every client of a function shares,
// built once per process: the region, the retryer, and in local mode the
// fixed local credentials; in AWS, the default chain (the function's role).
func AWSConfig(ctx context.Context, cfg config.Config) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryer(func() aws.Retryer {
			// Throttling and 5xx are retried with exponential backoff and jitter;
			// the request's deadline bounds the total.
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 4
				o.MaxBackoff = time.Second
			})
		}),
	}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.Local {
		opts = append(opts, awsconfig.WithCredentialsProvider(localCredentials))
		if cfg.Region == "" {
			opts = append(opts, awsconfig.WithRegion("us-east-1"))
		}
	}
	return awsconfig.LoadDefaultConfig(ctx, opts...)
}

// cursorSecret is the stack's secret, which signs list cursors and keys
// the hashes of Idempotency-Key records (api.Deps.CursorSecret): in AWS the Secrets
// Manager secret CURSOR_SECRET_ARN names, read once at cold start; in local
// mode CURSOR_SECRET, or a fixed development key. A missing or short
// secret stops the function at start.
func cursorSecret(ctx context.Context, env Env) (string, error) {
	secret := env.Config.CursorSecret
	switch {
	case env.Config.Local && secret == "":
		secret = "local-development-cursor-secret"
	case !env.Config.Local:
		if env.Config.CursorSecretID == "" {
			return "", fmt.Errorf("CURSOR_SECRET_ARN is not set: this function signs list cursors or hashes Idempotency-Key requests with that secret")
		}
		out, err := secretsmanager.NewFromConfig(env.AWS).GetSecretValue(ctx,
			&secretsmanager.GetSecretValueInput{SecretId: &env.Config.CursorSecretID})
		if err != nil {
			return "", fmt.Errorf("read the cursor secret %s: %w", env.Config.CursorSecretID, err)
		}
		secret = aws.ToString(out.SecretString)
	}
	if len(secret) < config.MinCursorSecret {
		return "", fmt.Errorf("the cursor secret is %d bytes long; it must have at least %d", len(secret), config.MinCursorSecret)
	}
	return secret, nil
}
