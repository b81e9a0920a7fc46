package dynamo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/profiles-service/profiles/shared/profile"
)

// sdkError wraps err as the SDK returns a call's error: in an
// OperationError, with the HTTP response of its status when status is not 0.
func sdkError(err error, status int) error {
	if status != 0 {
		err = &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}
	}
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "TransactWriteItems", Err: err}
}

// generic is an error code the SDK does not model, as it returns one.
func generic(code string) error { return &smithy.GenericAPIError{Code: code, Message: code} }

func canceledFor(codes ...string) error {
	tce := &types.TransactionCanceledException{Message: aws.String("Transaction cancelled")}
	for _, c := range codes {
		tce.CancellationReasons = append(tce.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
	}
	return sdkError(tce, 400)
}

// TestEveryAnswerIsClassified: each error a DynamoDB call can end with, as
// the SDK returns it, is read one way (answerOf), and what the caller then
// answers follows from it:
//   - refused (4xx): nothing applied, and a repeat is refused too: the error
//     itself, which the API answers as a logged 500 (the 5xx alarm counts it);
//   - canceled: a transaction DynamoDB evaluated and cancelled: its reasons
//     decide (a failed condition, a conflict to try again, a throttle);
//   - retryLater: refused for now: a write backs off and sends it again; when
//     every call was so refused, ErrUnavailable (a plain 503);
//   - unknown: a write sends it again with its token until it settles or
//     its deadline comes (ErrOutcomeUnknown); any other call is
//     ErrUnavailable.
func TestEveryAnswerIsClassified(t *testing.T) {
	var (
		unavailable = profile.ErrUnavailable
		itself      = errors.New("the error itself: a 500")
	)
	for _, tc := range []struct {
		name string
		err  error
		want answer
		then error // what the caller answers (for unknown: a read's answer)
	}{
		// A transaction DynamoDB evaluated, by its reasons.
		{"condition failed", canceledFor("ConditionalCheckFailed"), callCanceled, errVersionChanged},
		{"condition failed, after None", canceledFor("ConditionalCheckFailed", "None"), callCanceled, errVersionChanged},
		{"transaction conflict", canceledFor("None", "TransactionConflict"), callCanceled, errTxConflict},
		{"item throttled", canceledFor("ThrottlingError"), callCanceled, unavailable},
		{"item over its throughput", canceledFor("ProvisionedThroughputExceeded"), callCanceled, unavailable},
		{"item over the request limit", canceledFor("RequestLimitExceeded"), callCanceled, unavailable},
		{"validation reason", canceledFor("ValidationError"), callCanceled, itself},
		{"item collection too large", canceledFor("ItemCollectionSizeLimitExceeded"), callCanceled, itself},

		// Refused for now: sent again after a backoff.
		{"throttling", sdkError(&types.ThrottlingException{}, 400), callRetryLater, unavailable},
		{"provisioned throughput exceeded", sdkError(&types.ProvisionedThroughputExceededException{}, 400), callRetryLater, unavailable},
		{"request limit exceeded", sdkError(&types.RequestLimitExceeded{}, 400), callRetryLater, unavailable},
		{"limit exceeded", sdkError(&types.LimitExceededException{}, 400), callRetryLater, unavailable},
		{"conflict with a transaction", sdkError(&types.TransactionConflictException{}, 400), callRetryLater, unavailable},
		{"replicated write conflict", sdkError(&types.ReplicatedWriteConflictException{}, 409), callRetryLater, unavailable},
		{"throttling, unmodeled", sdkError(generic("ThrottlingException"), 400), callRetryLater, unavailable},

		// The outcome is unknown: the call may have been applied, or may be.
		{"transaction in progress (a 400)", sdkError(&types.TransactionInProgressException{}, 400), callUnknown, unavailable},
		{"internal server error", sdkError(&types.InternalServerError{}, 500), callUnknown, unavailable},
		{"service unavailable", sdkError(generic("ServiceUnavailable"), 503), callUnknown, unavailable},
		{"internal failure", sdkError(generic("InternalFailure"), 500), callUnknown, unavailable},
		{"unmodeled 5xx", sdkError(generic("SomethingBroke"), 502), callUnknown, unavailable},
		{"server fault, no response", sdkError(&smithy.GenericAPIError{Code: "X", Fault: smithy.FaultServer}, 0), callUnknown, unavailable},
		{"unmodeled, unknown fault, no response", sdkError(generic("SomethingElse"), 0), callUnknown, unavailable},
		{"deadline", sdkError(fmt.Errorf("request send failed: %w", context.DeadlineExceeded), 0), callUnknown, unavailable},
		{"cancelled", sdkError(fmt.Errorf("request send failed: %w", context.Canceled), 0), callUnknown, unavailable},
		{"connection refused", sdkError(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, 0), callUnknown, unavailable},
		{"connection reset", sdkError(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, 0), callUnknown, unavailable},
		{"answer cut short", sdkError(io.ErrUnexpectedEOF, 0), callUnknown, unavailable},
		{"answer unreadable", sdkError(&smithy.DeserializationError{Err: io.ErrUnexpectedEOF}, 200), callUnknown, unavailable},

		// Refused for good: nothing applied; a 500.
		{"access denied (IAM, no response)", sdkError(generic("AccessDeniedException"), 0), callRefused, itself},
		{"access denied", sdkError(generic("AccessDeniedException"), 400), callRefused, itself},
		{"validation", sdkError(generic("ValidationException"), 400), callRefused, itself},
		{"resource not found", sdkError(&types.ResourceNotFoundException{}, 400), callRefused, itself},
		{"unrecognized client", sdkError(generic("UnrecognizedClientException"), 400), callRefused, itself},
		{"missing authentication token", sdkError(generic("MissingAuthenticationTokenException"), 400), callRefused, itself},
		{"invalid signature", sdkError(generic("InvalidSignatureException"), 400), callRefused, itself},
		{"incomplete signature", sdkError(generic("IncompleteSignatureException"), 400), callRefused, itself},
		{"expired token", sdkError(generic("ExpiredTokenException"), 400), callRefused, itself},
		{"serialization", sdkError(generic("SerializationException"), 400), callRefused, itself},
		{"conditional check failed (one item)", sdkError(&types.ConditionalCheckFailedException{}, 400), callRefused, itself},
		{"item collection size limit", sdkError(&types.ItemCollectionSizeLimitExceededException{}, 400), callRefused, itself},
		{"idempotent parameter mismatch", sdkError(&types.IdempotentParameterMismatchException{}, 400), callRefused, itself},
		{"resource in use", sdkError(&types.ResourceInUseException{}, 400), callRefused, itself},
		{"unmodeled 4xx", sdkError(generic("SomethingNew"), 403), callRefused, itself},
		{"client fault, no response", sdkError(&smithy.GenericAPIError{Code: "X", Fault: smithy.FaultClient}, 0), callRefused, itself},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := answerOf(tc.err); got != tc.want {
				t.Fatalf("answerOf = %v, want %v", got, tc.want)
			}
			var then error
			if tc.want == callCanceled || tc.want == callRefused {
				then = (&Store{}).refused(context.Background(), write{profileID: "p"}, tc.err)
			} else {
				then = classify(tc.err)
			}
			switch {
			case errors.Is(tc.then, itself):
				if then != tc.err { //nolint:errorlint // the very error, not one that wraps it
					t.Errorf("answered %v, want the error itself", then)
				}
			case !errors.Is(then, tc.then):
				t.Errorf("answered %v, want %v", then, tc.then)
			}
			if errors.Is(then, profile.ErrOutcomeUnknown) {
				t.Errorf("answered %v: only a write's settling may say the outcome is unknown", then)
			}
		})
	}
}

func (a answer) String() string {
	return [...]string{"refused", "canceled", "retryLater", "unknown"}[a]
}
