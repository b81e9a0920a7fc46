package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/profiles-service/profiles/shared/profile"
)

// answer is what a failed DynamoDB call tells of what it did: the one
// reading of its error that the write path (commit) and every other call
// (classify) share.
type answer int

const (
	// callRefused: DynamoDB, or IAM before it, refused the call and applied
	// nothing, and the same call gets the same answer: a 4xx such as
	// AccessDeniedException, ValidationException, ResourceNotFoundException
	// or UnrecognizedClientException ("Error handling with DynamoDB",
	// DynamoDB Developer Guide; "Common Errors", DynamoDB API Reference).
	// It is a fault of this service or its deployment: a 500.
	callRefused answer = iota
	// callCanceled: DynamoDB evaluated the transaction and cancelled it,
	// applying nothing; its cancellation reasons say why (refused).
	callCanceled
	// callRetryLater: refused for now, before it was processed (throttling, a
	// request or control-plane limit, a conflict with a transaction under
	// way); the same call may succeed after a backoff.
	callRetryLater
	// callUnknown: no answer, or one that does not tell whether the call
	// applied (a 5xx, a transaction in progress, a lost connection, a
	// deadline, an answer that could not be read).
	callUnknown
)

// The error codes whose answer is not what their HTTP status says, or
// that come without an HTTP status (the local IAM check answers in the
// client, as an error without a response).
var answerByCode = map[string]answer{
	// 400, yet the call may be applied still: DynamoDB is running the
	// token's transaction ("TransactWriteItems", Idempotency).
	"TransactionInProgressException": callUnknown,
	// 400s DynamoDB says to retry ("Retry? Yes").
	"ThrottlingException":                    callRetryLater,
	"ProvisionedThroughputExceededException": callRetryLater,
	"RequestLimitExceeded":                   callRetryLater,
	"LimitExceededException":                 callRetryLater,
	"TransactionConflictException":           callRetryLater,
	"ReplicatedWriteConflictException":       callRetryLater,
	// 5xx.
	"InternalServerError": callUnknown,
	"InternalFailure":     callUnknown,
	"ServiceUnavailable":  callUnknown,
	// 4xx: definite refusals.
	"AccessDeniedException":                    callRefused,
	"NotAuthorized":                            callRefused,
	"UnrecognizedClientException":              callRefused,
	"MissingAuthenticationToken":               callRefused,
	"MissingAuthenticationTokenException":      callRefused,
	"InvalidSignatureException":                callRefused,
	"IncompleteSignature":                      callRefused,
	"IncompleteSignatureException":             callRefused,
	"InvalidClientTokenId":                     callRefused,
	"ExpiredTokenException":                    callRefused,
	"RequestExpired":                           callRefused,
	"OptInRequired":                            callRefused,
	"ValidationException":                      callRefused,
	"ValidationError":                          callRefused,
	"SerializationException":                   callRefused,
	"InvalidParameterValue":                    callRefused,
	"InvalidParameterCombination":              callRefused,
	"MissingParameter":                         callRefused,
	"InvalidAction":                            callRefused,
	"ResourceNotFoundException":                callRefused,
	"ResourceInUseException":                   callRefused,
	"ConditionalCheckFailedException":          callRefused,
	"ItemCollectionSizeLimitExceededException": callRefused,
	"IdempotentParameterMismatchException":     callRefused,
	"TransactionCanceledException":             callCanceled,
}

// answerOf reads a failed call's error: by its code when the code is
// known, else by its HTTP status (4xx refused, 5xx unknown), else by the
// fault the SDK gives it. An error without an API error is a call without
// an answer: unknown.
func answerOf(err error) answer {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return callUnknown
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return callUnknown
	}
	if a, ok := answerByCode[apiErr.ErrorCode()]; ok {
		return a
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		if status := re.HTTPStatusCode(); status >= 400 && status < 500 {
			return callRefused
		}
		return callUnknown
	}
	if apiErr.ErrorFault() == smithy.FaultClient {
		return callRefused
	}
	// A server fault, or an error of unknown fault without a response.
	return callUnknown
}

// classify turns a failed call's error into what its caller answers:
// profile.ErrUnavailable for what a client may retry later (throttling,
// DynamoDB 5xx, deadlines, no answer); anything else stays as it is, which
// the API answers as a logged 500 (a refusal is this service's fault).
func classify(err error) error {
	if err == nil {
		return nil
	}
	switch answerOf(err) {
	case callRetryLater, callUnknown:
		return fmt.Errorf("%w: %w", profile.ErrUnavailable, err)
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
