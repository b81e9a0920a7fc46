package dynamo_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/profiles-service/profiles/local/aws/iam"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/profile"
)

// deniedStore is a store on a fresh table whose calls go through the local
// IAM check with a policy that allows every action the store uses except
// dynamodb:PutItem (a deployment missing a permission), and that counts
// the calls the store made. direct is a store on the same table without
// the check.
func deniedStore(t *testing.T) (denied, direct *dynamo.Store, calls *atomic.Int64) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	cfg := testenv.Config(t)
	st := testenv.NewStackWith(t, cfg)
	awsCfg, err := lambdaapp.AWSConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	table := iam.TableARN(cfg.TableName)
	policy := iam.Policy{Function: "Denied", Statements: []samtemplate.Statement{{
		Effect: "Allow",
		Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:UpdateItem",
			"dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
		Resources: []string{table, table + "/index/*"},
	}}}
	// Its own recorder: the denials are this test's point, not a finding
	// of the suite's least-privilege check.
	iam.Install(&awsCfg, policy, iam.NewRecorder())
	calls = new(atomic.Int64)
	awsCfg.APIOptions = append(awsCfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			calls.Add(1)
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	})
	return dynamo.New(dynamo.NewClient(awsCfg, cfg.Endpoint, true), cfg.TableName, cfg.ListShards), st.Store, calls
}

// TestRefusedWritesAnswerAtOnce: IAM refuses a write transaction
// (AccessDeniedException, a 4xx) before DynamoDB sees it. The refusal is
// definite, nothing was applied, and sending it again gets the same
// answer: the store answers at once, after one call, with an error that is
// neither ErrOutcomeUnknown nor ErrUnavailable (the API's 500, which the
// logs and the 5xx alarm show), and nothing landed.
func TestRefusedWritesAnswerAtOnce(t *testing.T) {
	t.Parallel()
	denied, direct, calls := deniedStore(t)
	existing := newProfile(t, direct, "Existing")
	now := time.Now()
	for _, tc := range []struct {
		name  string
		write func(ctx context.Context) error
	}{
		{"create", func(ctx context.Context) error {
			p := &profile.Profile{ID: profile.NewID(now), FirstName: "New", Tags: []string{}, CreateTime: now, UpdateTime: now, Version: 1}
			return denied.Create(ctx, p, nil)
		}},
		// A contact add updates the profile item and puts the contact's.
		{"contact add", func(ctx context.Context) error {
			_, err := denied.Update(ctx, existing.ID, profile.Precondition{}, addPhone("+15550009999"), nil)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			start := time.Now()
			err := tc.write(within(t, 5*time.Second))
			elapsed, n := time.Since(start), calls.Load()
			var ae interface{ ErrorCode() string }
			if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" ||
				errors.Is(err, profile.ErrOutcomeUnknown) || errors.Is(err, profile.ErrUnavailable) {
				t.Errorf("refused %s: %v, want the AccessDeniedException itself (a 500), not unknown or unavailable", tc.name, err)
			}
			// One read of the profile for the update, one write: the
			// count, not the clock, says it was not resent (the 5 s
			// context only keeps a regression from hanging the suite).
			if n > 2 {
				t.Errorf("refused %s: %d calls in %v, want at most 2", tc.name, n, elapsed)
			}
		})
	}
	stored, err := direct.Get(context.Background(), existing.ID)
	if err != nil || len(stored.Contacts) != 0 || stored.Version != existing.Version {
		t.Errorf("after refused writes: %+v, %v; want it unchanged", stored, err)
	}
}
