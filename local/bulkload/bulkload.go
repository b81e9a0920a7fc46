// Package bulkload fills a table fast for benchmarks and tests: a store
// whose Create writes exactly the items it writes in AWS, but with
// BatchWriteItem instead of one transaction each, many times faster.
// Nothing is checked that the transaction checks (an existing profile, a
// taken uuid or userId), so it is only for fresh, unique data.
package bulkload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// batchWriteLimit is the most items one BatchWriteItem takes.
const batchWriteLimit = 25

// Store returns a store on db's table whose writes go as BatchWriteItem:
// Create(ctx, p) puts p's items (the profile, its contacts, its markers)
// without their conditions.
func Store(db *dynamodb.Client, table string, shards int) *dynamo.Store {
	bulk := dynamodb.New(db.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("bulkload",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					tx, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput)
					if !ok {
						return next.HandleInitialize(ctx, in)
					}
					return middleware.InitializeOutput{Result: &dynamodb.TransactWriteItemsOutput{}}, middleware.Metadata{}, batchWrite(ctx, db, tx)
				}), middleware.Before)
		})
	})
	return dynamo.New(bulk, table, shards)
}

// Load creates the profiles with store (from Store).
func Load(ctx context.Context, store *dynamo.Store, profiles []*profile.Profile) error {
	for _, p := range profiles {
		if err := store.Create(ctx, p, nil); err != nil {
			return fmt.Errorf("bulk load %s: %w", p.ID, err)
		}
	}
	return nil
}

// batchWrite puts a transaction's Put items with BatchWriteItem, again and
// again with backoff for what DynamoDB leaves unprocessed.
func batchWrite(ctx context.Context, db *dynamodb.Client, tx *dynamodb.TransactWriteItemsInput) error {
	writes := map[string][]types.WriteRequest{}
	for _, it := range tx.TransactItems {
		if it.Put == nil {
			return fmt.Errorf("bulkload: a create writes only Put items, got %+v", it)
		}
		t := *it.Put.TableName
		writes[t] = append(writes[t], types.WriteRequest{PutRequest: &types.PutRequest{Item: it.Put.Item}})
	}
	for table, reqs := range writes {
		for len(reqs) > 0 {
			n := min(len(reqs), batchWriteLimit)
			if err := batch(ctx, db, table, reqs[:n]); err != nil {
				return err
			}
			reqs = reqs[n:]
		}
	}
	return nil
}

func batch(ctx context.Context, db *dynamodb.Client, table string, reqs []types.WriteRequest) error {
	for attempt := 1; ; attempt++ {
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
		if err != nil {
			return err
		}
		if reqs = out.UnprocessedItems[table]; len(reqs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 8)))):
		}
	}
}
