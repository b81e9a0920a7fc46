package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/profiles-service/profiles/shared/profile"
)

// errVersionChanged means the profile item changed between read and write.
var errVersionChanged = errors.New("profile version changed")

// errTxConflict means another transaction held one of the items: the same
// write may succeed when tried again.
var errTxConflict = errors.New("transaction conflict")

// transact runs a write transaction and turns its cancellation reasons into
// domain errors: a failed version check is errVersionChanged, a taken
// uniqueness marker is a ConflictError naming the profile that holds it.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return classify(err)
	}
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			if pk := putPK(items[i]); strings.HasPrefix(pk, uuidPrefix) || strings.HasPrefix(pk, userPrefix) {
				return s.markerConflict(ctx, pk, r.Item)
			}
			return errVersionChanged
		case "TransactionConflict":
			return errTxConflict
		case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
			return fmt.Errorf("%w: %s", profile.ErrUnavailable, aws.ToString(r.Code))
		}
	}
	return classify(err)
}

func putPK(item types.TransactWriteItem) string {
	if item.Put == nil {
		return ""
	}
	if pk, ok := item.Put.Item["PK"].(*types.AttributeValueMemberS); ok {
		return pk.Value
	}
	return ""
}

// markerConflict names the profile that already holds a unique value.
func (s *Store) markerConflict(ctx context.Context, pk string, old map[string]types.AttributeValue) error {
	var m markerItem
	if old != nil {
		_ = attributevalue.UnmarshalMap(old, &m)
	}
	if m.ProfileID == "" {
		id, err := s.profileIDByMarker(ctx, pk)
		if err != nil {
			return err
		}
		m.ProfileID = id
	}
	what := "uuid"
	if strings.HasPrefix(pk, userPrefix) {
		what = "userId"
	}
	return &profile.ConflictError{Detail: "another profile already has this " + what, ExistingID: m.ProfileID}
}

// classify marks the errors a client may retry later (throttling, DynamoDB
// 5xx, deadlines) as profile.ErrUnavailable; anything else stays as it is.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %v", profile.ErrUnavailable, err)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
			"InternalServerError", "ServiceUnavailable", "LimitExceededException":
			return fmt.Errorf("%w: %v", profile.ErrUnavailable, err)
		}
		if apiErr.ErrorFault() == smithy.FaultServer {
			return fmt.Errorf("%w: %v", profile.ErrUnavailable, err)
		}
		return err
	}
	// No API error at all: the request never got an answer (connection refused or reset).
	return fmt.Errorf("%w: %v", profile.ErrUnavailable, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
