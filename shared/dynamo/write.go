package dynamo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/metrics"
	"github.com/profiles-service/profiles/shared/profile"
)

// writeOp is what a write does to the profile item.
type writeOp int

const (
	opCreate writeOp = iota // put it; it must not exist
	opUpdate                // update it on its expression's condition
	opDelete                // delete it on its condition
)

// write is one profile's write transaction, typed: what it does to the
// profile item, on what condition, and the other items it writes. Its
// transaction's first item is always the profile item.
type write struct {
	op        writeOp
	profileID string
	item      map[string]types.AttributeValue // the profile item a create puts
	cond      expression.Expression           // an update's expression and condition, a delete's condition
	condErr   error                           // building cond failed
	// exact: the update is conditioned on the version read, so the stored
	// version is the one the write computed; otherwise it commutes with
	// concurrent writes and only a read tells the version it made.
	exact  bool
	others []otherItem
}

// takeKey adds the item that takes the write's Idempotency-Key, if it has one.
func (s *Store) takeKey(w *write, once *idempotency.Record) error {
	if once == nil {
		return nil
	}
	items, err := s.onceItems(once, s.budget.Now())
	if err != nil {
		return err
	}
	w.others = append(w.others, items...)
	return nil
}

// otherItem is an item a write changes besides the profile item.
type otherItem struct {
	tx     types.TransactWriteItem
	marker *markerRef          // set when the item takes a uniqueness marker
	once   *idempotency.Record // set when the item takes the write's Idempotency-Key
	// keyRecord is set on an erasure's delete of an Idempotency-Key
	// record (its PK), conditioned on the record being the profile's.
	keyRecord string
}

// markerRef is a uniqueness marker a write takes: its key and what it keeps unique.
type markerRef struct {
	pk    string
	field uniqueField
}

// fenceType is the type of the inert item that version 2 put on a
// create's profile key to settle an unknown outcome. Reads treat it as no
// profile (it has no profileId), a create may take its place, and TTL
// removes it; this version writes none.
const fenceType = "fence"

// transaction is the write's items: the profile item on its condition, then the others.
func (w write) transaction(table string) []types.TransactWriteItem {
	var first types.TransactWriteItem
	switch w.op {
	case opCreate:
		first.Put = &types.Put{
			TableName: &table, Item: w.item,
			ConditionExpression:      aws.String("attribute_not_exists(PK) OR #type = :fence"),
			ExpressionAttributeNames: map[string]string{"#type": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":fence": &types.AttributeValueMemberS{Value: fenceType}},
		}
	case opUpdate:
		first.Update = &types.Update{
			TableName: &table, Key: key(profileKey(w.profileID), profileSK),
			UpdateExpression: w.cond.Update(), ConditionExpression: w.cond.Condition(),
			ExpressionAttributeNames: w.cond.Names(), ExpressionAttributeValues: w.cond.Values(),
		}
	case opDelete:
		first.Delete = &types.Delete{
			TableName: &table, Key: key(profileKey(w.profileID), profileSK),
			ConditionExpression:      w.cond.Condition(),
			ExpressionAttributeNames: w.cond.Names(), ExpressionAttributeValues: w.cond.Values(),
		}
	}
	items := make([]types.TransactWriteItem, 0, 1+len(w.others))
	items = append(items, first)
	for _, o := range w.others {
		items = append(items, o.tx)
	}
	return items
}

// errNoBudget is a write not started because too little time was left.
var errNoBudget = fmt.Errorf("%w: too little time left to start a write", profile.ErrUnavailable)

// commit runs a write's transaction and learns its outcome, so the answer
// never misstates it:
//   - nil: it landed, once;
//   - a domain error or profile.ErrUnavailable: it did not land, and will not;
//   - profile.ErrOutcomeUnknown: the deadline came before the outcome was known.
//
// The transaction carries a ClientRequestToken. When a call's outcome is
// unknown (no answer in time, a broken connection, a 500, a transaction
// still in progress), commit sends the identical transaction again with the
// same token: DynamoDB applies a token's transaction at most once within 10
// minutes and answers a repeat with the first outcome, or with
// TransactionInProgressException while it runs ("TransactWriteItems",
// Idempotency, in the DynamoDB API Reference). So a repeat that succeeds
// means it landed once, and one that is cancelled means it did not land.
// A throttled call is sent again after a backoff; only when every call was
// refused (throttled) is the write known not to have landed. A call refused
// for good (a 4xx such as AccessDeniedException or ValidationException:
// answerOf) applied nothing and would be refused again: the write answers
// at once, the refusal itself (a 500) or, after a call whose outcome was
// unknown, ErrOutcomeUnknown. An attempt starts only with time left to
// settle it.
func (s *Store) commit(ctx context.Context, w write) error {
	if w.condErr != nil {
		return w.condErr
	}
	b := s.budget
	deadline := b.Deadline(ctx)
	left := b.Until(deadline)
	if !b.CanStart(left) {
		return errNoBudget
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: w.transaction(s.table), ClientRequestToken: aws.String(newToken())}
	// The first call keeps half the time left for settling its outcome;
	// the repeats, unlike the request, are not cancelled when its client
	// goes away: the answer must still be the truth in the logs.
	base := context.WithoutCancel(ctx)
	timeout := b.AttemptTimeout(left)
	mayHaveLanded := false // some call may have been applied
	for try := 1; ; try++ {
		cctx, cancel := context.WithTimeout(base, timeout)
		// One HTTP attempt a call: the SDK's own retries would hide which
		// attempt's outcome was unknown behind the last one's error.
		_, err := s.db.TransactWriteItems(cctx, in, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
		cancel()
		if err == nil {
			if try > 1 {
				metrics.Add(ctx, metrics.WriteSettled, 1)
				slog.InfoContext(ctx, "write settled", "profileId", w.profileID, "calls", try)
			}
			metrics.Add(ctx, metrics.WriteApplied, 1)
			return nil
		}
		a := answerOf(err)
		switch {
		case a == callCanceled:
			// DynamoDB evaluated the token's transaction and applied
			// nothing: a repeat of one that had landed would succeed.
			return s.refused(ctx, w, err)
		case a == callRefused && mayHaveLanded:
			// Refused before DynamoDB evaluated the token (IAM, a bad
			// request): this call tells nothing of an earlier one, and a
			// repeat gets the same refusal.
			return s.outcomeUnknown(ctx, w, try, err)
		case a == callRefused:
			return s.refused(ctx, w, err) // a bad request, a denied call: nothing applied, a 500
		case a == callUnknown:
			mayHaveLanded = true
		}
		// Send it again after a pause: a throttle's backoff, or at once
		// after an unknown outcome, then a little longer each time (a
		// transaction still in progress needs time to end).
		pause := time.Duration(try-1) * 20 * time.Millisecond
		if a == callRetryLater {
			pause = backoffDelay(try)
		}
		left = b.Until(deadline)
		if !b.CanResend(left, pause) || !wait(ctx, pause) {
			if !mayHaveLanded {
				return classify(err) // throttled each time: nothing applied
			}
			return s.outcomeUnknown(ctx, w, try, err)
		}
		timeout = b.ResendTimeout(left, pause)
	}
}

// outcomeUnknown is a write whose outcome could not be learned after calls calls.
func (s *Store) outcomeUnknown(ctx context.Context, w write, calls int, err error) error {
	metrics.Add(ctx, metrics.WriteOutcomeUnknown, 1)
	slog.WarnContext(ctx, "write outcome unknown", "profileId", w.profileID, "calls", calls, "error", err.Error())
	return fmt.Errorf("%w: %w", profile.ErrOutcomeUnknown, err)
}

func newToken() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errVersionChanged means the profile item changed between read and write
// in a way the write's condition does not allow.
var errVersionChanged = errors.New("profile version changed")

// errTxConflict means another transaction held one of the items: the same
// write may succeed when tried again.
var errTxConflict = errors.New("transaction conflict")

// refused turns a definite refusal of a write's transaction into a domain
// error: a used Idempotency-Key is an idempotency.UsedError (whatever else
// failed: the request took effect before), the profile item's failed
// condition errVersionChanged (for a create: the id exists), a taken
// uniqueness marker a ConflictError naming the profile that holds it.
func (s *Store) refused(ctx context.Context, w write, err error) error {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return classify(err)
	}
	for i, r := range tce.CancellationReasons {
		if i > 0 && i <= len(w.others) && w.others[i-1].once != nil && aws.ToString(r.Code) == "ConditionalCheckFailed" {
			return s.usedKey(ctx, w.others[i-1].once.Key, r.Item)
		}
	}
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			if i > 0 && i <= len(w.others) && w.others[i-1].marker != nil {
				return s.markerConflict(ctx, *w.others[i-1].marker, r.Item)
			}
			if i > 0 && i <= len(w.others) && w.others[i-1].keyRecord != "" {
				return &keyReusedError{pk: w.others[i-1].keyRecord}
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

// markerConflict names the profile that already holds a unique value.
func (s *Store) markerConflict(ctx context.Context, ref markerRef, old map[string]types.AttributeValue) error {
	var m markerItem
	if old != nil {
		_ = attributevalue.UnmarshalMap(old, &m)
	}
	if m.ProfileID == "" {
		id, err := s.profileIDByMarker(ctx, ref.pk)
		if err != nil {
			return err
		}
		m.ProfileID = id
	}
	return &profile.ConflictError{Detail: "another profile already has this " + ref.field.name, ExistingID: m.ProfileID}
}
