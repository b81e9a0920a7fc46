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
	"sync"
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
					out := middleware.InitializeOutput{Result: &dynamodb.TransactWriteItemsOutput{}}
					if c, ok := ctx.Value(collectorKey{}).(*collector); ok {
						c.db = db
						return out, middleware.Metadata{}, c.add(tx)
					}
					return out, middleware.Metadata{}, batchWrite(ctx, db, tx)
				}), middleware.Before)
		})
	})
	return dynamo.New(bulk, table, shards)
}

// loadWorkers is how many BatchWriteItem calls Load keeps in flight.
const loadWorkers = 4

// Load creates the profiles with store (from Store): it gathers the items
// of every Create, then writes them 25 to a BatchWriteItem, loadWorkers
// calls at a time, rather than one call per profile.
func Load(ctx context.Context, store *dynamo.Store, profiles []*profile.Profile) error {
	c := &collector{writes: map[string][]types.WriteRequest{}}
	collect := context.WithValue(ctx, collectorKey{}, c)
	for _, p := range profiles {
		if err := store.Create(collect, p, nil); err != nil {
			return fmt.Errorf("bulk load %s: %w", p.ID, err)
		}
	}
	return c.flush(ctx)
}

type collectorKey struct{}

// collector holds the items of the creates Load gathers, by table.
type collector struct {
	db     *dynamodb.Client
	writes map[string][]types.WriteRequest
}

func (c *collector) add(tx *dynamodb.TransactWriteItemsInput) error {
	for _, it := range tx.TransactItems {
		if it.Put == nil {
			return fmt.Errorf("bulkload: a create writes only Put items, got %+v", it)
		}
		t := *it.Put.TableName
		c.writes[t] = append(c.writes[t], types.WriteRequest{PutRequest: &types.PutRequest{Item: it.Put.Item}})
	}
	return nil
}

func (c *collector) flush(ctx context.Context) error {
	type job struct {
		table string
		reqs  []types.WriteRequest
	}
	jobs := make(chan job)
	errs := make(chan error, loadWorkers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Go(func() {
			for j := range jobs {
				if err := batch(ctx, c.db, j.table, j.reqs); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		})
	}
send:
	for table, reqs := range c.writes {
		for len(reqs) > 0 {
			n := min(len(reqs), batchWriteLimit)
			select {
			case jobs <- job{table, reqs[:n]}:
			case <-ctx.Done():
				break send
			}
			reqs = reqs[n:]
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return ctx.Err()
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
