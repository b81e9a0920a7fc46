package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/smithy-go"

	"github.com/profiles-service/profiles/shared/profile"
)

// classify marks the errors a client may retry later (throttling, DynamoDB
// 5xx, deadlines) as profile.ErrUnavailable; anything else stays as it is.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %w", profile.ErrUnavailable, err)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
			"InternalServerError", "ServiceUnavailable", "LimitExceededException":
			return fmt.Errorf("%w: %w", profile.ErrUnavailable, err)
		}
		if apiErr.ErrorFault() == smithy.FaultServer {
			return fmt.Errorf("%w: %w", profile.ErrUnavailable, err)
		}
		return err
	}
	// No API error at all: the request never got an answer (connection refused or reset).
	return fmt.Errorf("%w: %w", profile.ErrUnavailable, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
