package dynamo

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// List returns a page of profiles without a Scan. The plan:
//   - a uuid filter reads the uuid marker: at most one profile;
//   - a name filter on the sort field reads that field's index from the
//     filtered value on, in order;
//   - another name filter reads only the entries of that value from its
//     index and orders them in memory;
//   - otherwise the sort field's index is read in order, from the cursor on,
//     until offset+limit+1 matching profiles have been seen.
//
// Every index is partitioned over s.shards list partitions, merged by sort key.
func (s *Store) List(ctx context.Context, q profile.ListQuery) (profile.Result[profile.Profile], error) {
	key := func(p profile.Profile) string { return profile.SortKey(q.SortBy, &p) }
	if q.Filter.UUID != nil {
		id, err := s.profileIDByMarker(ctx, uuidField.prefix+*q.Filter.UUID)
		if err != nil {
			return profile.Result[profile.Profile]{}, err
		}
		var found []profile.Profile
		if id != "" {
			p, err := s.Get(ctx, id)
			if err != nil && err != profile.ErrNotFound {
				return profile.Result[profile.Profile]{}, err
			}
			if p != nil && q.Filter.Match(p) {
				found = append(found, *p)
			}
		}
		return profile.PageOf(found, key, q.Page), nil
	}
	names := q.Filter.NameFilters()
	for _, nf := range names {
		if nf[0] == q.SortBy {
			return s.stream(ctx, q, profile.EqualPrefix(nf[1]))
		}
	}
	if len(names) > 0 {
		field, prefix := names[0][0], profile.EqualPrefix(names[0][1])
		all, err := s.readAll(ctx, IndexFor(field), prefix, q.Filter)
		if err != nil {
			return profile.Result[profile.Profile]{}, err
		}
		return profile.PageOf(all, key, q.Page), nil
	}
	return s.stream(ctx, q, "")
}

// stream reads the sort field's index in order (only keys starting with
// prefix when it is set) and cuts the page from the matching profiles.
func (s *Store) stream(ctx context.Context, q profile.ListQuery, prefix string) (profile.Result[profile.Profile], error) {
	batch := streamBatch(q.Offset+q.Limit+1, q.Filter.Enabled != nil, s.shards)
	cursors := make([]*indexCursor, s.shards)
	for i := range cursors {
		cursors[i] = &indexCursor{s: s, index: IndexFor(q.SortBy), pk: listPK(i), prefix: prefix, page: q.Page, batch: batch, grow: true}
	}
	res := profile.Result[profile.Profile]{Items: make([]profile.Profile, 0, q.Limit)}
	skipped := 0
	for {
		if err := fillAll(ctx, cursors); err != nil {
			return res, err
		}
		var best *indexCursor
		for _, c := range cursors {
			if c.done() {
				continue
			}
			if best == nil || q.Before(c.head().key, best.head().key) {
				best = c
			}
		}
		if best == nil {
			return res, nil
		}
		e := best.pop()
		if !q.Filter.Match(&e.p) {
			continue
		}
		if skipped < q.Offset {
			skipped++
			continue
		}
		if len(res.Items) == q.Limit {
			res.More = true
			return res, nil
		}
		res.Items = append(res.Items, e.p)
		res.Last = e.key
	}
}

// maxBatch is the most index entries one query asks for.
const maxBatch = 1000

// streamBatch is how many index entries each list partition's first query
// reads for a page that needs need matching entries. One partition reads
// need, unless a filter the index does not apply (enabled) may reject some:
// then half as many again, so a page usually costs one round trip. Of
// several partitions, each holds about need/shards of the page: each reads
// twice that and one more, so a partition rarely needs a second query
// (they grow, see indexCursor.fill) and the page costs far less than
// shards × need.
func streamBatch(need int, filtered bool, shards int) int32 {
	if filtered {
		need += need / 2
	}
	per := need
	if shards > 1 {
		per = min(need, (2*need+shards-1)/shards+1)
	}
	return int32(min(per, maxBatch))
}

// fillAll fills every cursor that has run empty, the partitions' queries
// concurrently, so a sharded page waits for one round trip, not one per
// partition.
func fillAll(ctx context.Context, cursors []*indexCursor) error {
	var empty []*indexCursor
	for _, c := range cursors {
		if len(c.buf) == 0 && !c.exhausted() {
			empty = append(empty, c)
		}
	}
	switch len(empty) {
	case 0:
		return nil
	case 1:
		return empty[0].fill(ctx)
	}
	errs := make([]error, len(empty))
	var wg sync.WaitGroup
	for i, c := range empty {
		wg.Go(func() { errs[i] = c.fill(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// readAll reads every profile of one index whose sort key starts with prefix
// and that passes the filter.
func (s *Store) readAll(ctx context.Context, index, prefix string, f profile.Filter) ([]profile.Profile, error) {
	var out []profile.Profile
	for shard := 0; shard < s.shards; shard++ {
		c := &indexCursor{s: s, index: index, pk: listPK(shard), prefix: prefix, batch: maxBatch}
		for {
			if err := c.fill(ctx); err != nil {
				return nil, err
			}
			if c.done() {
				break
			}
			if e := c.pop(); f.Match(&e.p) {
				out = append(out, e.p)
			}
		}
	}
	return out, nil
}

type entry struct {
	key string
	p   profile.Profile
}

// indexCursor walks one list partition of one index lazily, a query page at a time.
type indexCursor struct {
	s      *Store
	index  string
	pk     string
	prefix string
	page   profile.Page
	batch  int32 // entries the next query asks for
	grow   bool  // double batch after each query, up to maxBatch

	buf      []entry
	started  bool
	startKey map[string]types.AttributeValue
}

func (c *indexCursor) done() bool      { return len(c.buf) == 0 && c.started && c.startKey == nil }
func (c *indexCursor) head() *entry    { return &c.buf[0] }
func (c *indexCursor) pop() entry      { e := c.buf[0]; c.buf = c.buf[1:]; return e }
func (c *indexCursor) exhausted() bool { return c.started && c.startKey == nil }

// fill reads the next query page when the buffer is empty and more exist.
func (c *indexCursor) fill(ctx context.Context) error {
	for len(c.buf) == 0 && !c.exhausted() {
		kc := expression.Key(ListPartitionAttr).Equal(expression.Value(c.pk))
		if cond, ok := c.sortCondition(); ok {
			kc = kc.And(cond)
		}
		expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
		if err != nil {
			return err
		}
		out, err := c.s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: &c.s.table, IndexName: aws.String(c.index),
			KeyConditionExpression:    expr.KeyCondition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ScanIndexForward:          aws.Bool(!c.page.Desc),
			ExclusiveStartKey:         c.startKey,
			Limit:                     aws.Int32(c.batch),
		})
		if err != nil {
			return classify(err)
		}
		c.started, c.startKey = true, out.LastEvaluatedKey
		if c.grow {
			// This partition held more of the page than its share (or the
			// filter rejected more than expected): read more at once.
			c.batch = min(2*c.batch, maxBatch)
		}
		for _, raw := range out.Items {
			// An index's sort key attribute has the index's name.
			k := stringAttr(raw, c.index)
			if k == c.page.After || (c.prefix != "" && !strings.HasPrefix(k, c.prefix)) {
				continue
			}
			p, err := decodeProfile(raw)
			if err != nil {
				return err
			}
			c.buf = append(c.buf, entry{key: k, p: *p})
		}
	}
	return nil
}

// sortCondition limits the query to keys after the cursor and with the prefix.
func (c *indexCursor) sortCondition() (expression.KeyConditionBuilder, bool) {
	sk := expression.Key(c.index)
	after := c.page.After
	switch {
	case c.prefix == "" && after == "":
		return expression.KeyConditionBuilder{}, false
	case c.prefix == "" && c.page.Desc:
		return sk.LessThan(expression.Value(after)), true
	case c.prefix == "":
		return sk.GreaterThan(expression.Value(after)), true
	case after == "":
		return sk.BeginsWith(c.prefix), true
	case c.page.Desc:
		// Keys of the prefix are the prefix then a hex id, all below prefix+"g".
		return sk.Between(expression.Value(c.prefix), expression.Value(after)), true
	default:
		return sk.Between(expression.Value(after), expression.Value(c.prefix+"g")), true
	}
}
