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

// listInOrder reads the sort field's index in order, merging its
// partitions, from the cursor on (within the filtered value, when nf is a
// name filter on the sort field), skips offset entries and fetches the page.
// Other name filters are checked on the entries' projected values; an index
// read that rejects more than profile.MaxSortMatches entries stops.
func (s *Store) listInOrder(ctx context.Context, q profile.ListQuery, nf *profile.NameFilter) (profile.Result[profile.Profile], error) {
	var prefix string
	if nf != nil {
		prefix = equalPrefix(nf.Value)
	}
	others := otherNames(q.Filter, q.SortBy)
	partitions := s.partitions(q.Filter.Enabled)
	batch := streamBatch(q.Offset+q.Limit+1, len(others) > 0, len(partitions))
	cursors := make([]*indexCursor, len(partitions))
	for i, pk := range partitions {
		index, attr := s.listIndex(q.SortBy)
		cursors[i] = &indexCursor{s: s, index: index, attr: attr, pk: pk, prefix: prefix, page: q.Page, batch: batch, grow: true,
			composed: q.SortBy == "enabled"}
	}
	// budget is how many entries the request may examine: the offset, the
	// page, the one after it that tells more follow and (with a filter
	// the index does not apply) the rejects allowed. A refill asks for
	// the entries still to examine, as fillAll says.
	budget := q.Offset + q.Limit + 1
	if len(others) > 0 {
		budget += profile.MaxSortMatches
	}
	var page []entry
	taken := map[string]bool{}
	skipped, rejected := 0, 0
	more := false
	for {
		if err := fillAll(ctx, cursors, budget-skipped-rejected-len(page)); err != nil {
			return profile.Result[profile.Profile]{}, err
		}
		var best *indexCursor
		for _, c := range cursors {
			if !c.done() && (best == nil || q.Before(c.head().key, best.head().key)) {
				best = c
			}
		}
		if best == nil {
			break
		}
		e := best.pop()
		if taken[e.id] {
			// A profile read twice (see below): the merge reads on, so a
			// page is still full when more profiles follow.
			continue
		}
		if !matchesNames(e, others) {
			// Not taken: a later copy of the profile may carry the names
			// it holds now (fetchPage checks the profile itself).
			if rejected++; rejected > profile.MaxSortMatches {
				return profile.Result[profile.Profile]{}, &profile.TooBroadError{Limit: profile.MaxSortMatches,
					Hint: "the name filters together match too few of the " + q.SortBy + " index's entries; sort by the field of the most selective name filter"}
			}
			continue
		}
		// An index lags its table, and the partitions' Queries (and one
		// partition's successive Queries) read it at different moments: a
		// profile whose enabled state or sort value changed meanwhile can
		// be read twice, at its old entry and its new one. The merge takes
		// the copy it meets first and drops the later ones. Which copy is
		// stale is unknown until the profile is read, and dropping later
		// entries keeps the page in the order of the entries it took,
		// whose last key is the cursor: the next page starts after it
		// whichever copy was stale. A profile whose sort value changed may
		// so show at its old place; one whose did not shows once, at its
		// place.
		taken[e.id] = true
		if skipped < q.Offset {
			skipped++
			continue
		}
		if len(page) == q.Limit {
			more = true
			break
		}
		page = append(page, e)
	}
	return s.fetchPage(ctx, q, page, more)
}

// maxBatch is the most index entries one query asks for.
const maxBatch = 1000

// streamBatch is how many index entries each list partition's first query
// reads for a page that needs need entries. One partition reads need,
// unless a filter the index does not apply (another name) may reject some:
// then half as many again, so a page usually costs one round trip. Of
// several partitions, each holds about need/partitions of the page: each
// reads twice that and one more, so a partition rarely needs a second
// query (they grow, see indexCursor.fill) and the page costs far less than
// partitions × need.
func streamBatch(need int, filtered bool, partitions int) int32 {
	if filtered {
		need += need / 2
	}
	per := need
	if partitions > 1 {
		per = min(need, (2*need+partitions-1)/partitions+1)
	}
	return batchSize(per)
}

// batchSize is n as a query's Limit: at least 1 and at most maxBatch, so
// the conversion to int32 cannot overflow.
func batchSize(n int) int32 {
	if n < 1 {
		return 1
	}
	if n > maxBatch {
		return maxBatch
	}
	return int32(n)
}

// fillAll fills every cursor that has run empty, the partitions' queries
// concurrently, so a page over several partitions waits for one round
// trip, not one per partition. A refill asks for the cursor's batch, which
// doubles with each of its queries, and never for more than need, the
// entries the request may still examine. need leaves out the entries the
// other partitions hold unread, since any of them may come after all this
// partition still has to give: counting them as well shrank a deep page's
// refills to one entry per query (issue 25). So a query asks for all that
// is still needed or for twice as many as the last (up to maxBatch): a
// partition that holds the rest of a page reads it in a few queries
// however deep the page is, and reads at most budget entries (and the
// copies the merge drops) whatever the table holds.
func fillAll(ctx context.Context, cursors []*indexCursor, need int) error {
	var empty []*indexCursor
	for _, c := range cursors {
		if len(c.buf) == 0 && !c.exhausted() {
			empty = append(empty, c)
		}
	}
	for _, c := range empty {
		c.batch = batchSize(min(int(c.batch), need))
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

// entry is one thin index entry: its sort key in the index read (or, once
// ordered by another field, that field's sort value), the profile's id,
// and the projected attributes.
type entry struct {
	key  string
	id   string
	item map[string]types.AttributeValue
	full bool // item holds the profile as a page returns it (a page index's entry)
}

// sortValue is the entry's sort value for field, from its keys and
// projected attributes (a name index projects every sort value).
func (e entry) sortValue(field string) string {
	switch field {
	case "profileId":
		return e.id
	case "enabled":
		return enabledOfPartition(stringAttr(e.item, listPartitionAttr)) + keySep + e.id
	}
	return stringAttr(e.item, indexFor(field))
}

// indexCursor walks one list partition of one index lazily, a query page at a time.
type indexCursor struct {
	s      *Store
	index  string
	attr   string // the index's sort key attribute
	pk     string
	prefix string
	page   profile.Page
	batch  int32 // entries the next query asks for
	grow   bool  // double batch after each query, up to maxBatch
	// composed: the merge key is the partition's enabled state, then the
	// index key (sort_by=enabled on byProfileId).
	composed bool

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
	if c.composed && c.page.After != "" && !c.started {
		// A partition whose enabled state comes before the cursor's in the
		// order was read to its end by the pages before.
		state, _, _ := strings.Cut(c.page.After, keySep)
		if mine := enabledOfPartition(c.pk); (mine < state) != c.page.Desc && mine != state {
			c.started = true
			return nil
		}
	}
	for len(c.buf) == 0 && !c.exhausted() {
		kc := expression.Key(listPartitionAttr).Equal(expression.Value(c.pk))
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
			if c.s.pageIndexNotActive(ctx, c.index, err) {
				c.index = c.attr // its thin twin, named as its sort key
				continue
			}
			return classify(err)
		}
		c.started, c.startKey = true, out.LastEvaluatedKey
		if c.grow {
			// This partition held more of the page than its share (or a
			// filter rejected more than expected): read more at once.
			c.batch = min(2*c.batch, maxBatch)
		}
		for _, raw := range out.Items {
			// An index's sort key attribute has the index's name.
			k := stringAttr(raw, c.attr)
			if c.composed {
				k = enabledOfPartition(c.pk) + keySep + k
			}
			if k == c.page.After || (c.prefix != "" && !strings.HasPrefix(k, c.prefix)) {
				continue
			}
			c.buf = append(c.buf, entry{key: k, id: strings.TrimPrefix(stringAttr(raw, "PK"), profilePrefix), item: raw, full: isPageIndex(c.index)})
		}
	}
	return nil
}

// sortCondition limits the query to keys after the cursor and with the prefix.
func (c *indexCursor) sortCondition() (expression.KeyConditionBuilder, bool) {
	sk := expression.Key(c.attr)
	after := c.page.After
	if c.composed && after != "" {
		// after is <enabled state>\x01<id>: a partition of that state
		// continues after the id; one before it in the order has nothing
		// left (exhausted before its query: see fill), one after it starts
		// from its beginning.
		state, id, _ := strings.Cut(after, keySep)
		if enabledOfPartition(c.pk) != state {
			return expression.KeyConditionBuilder{}, false
		}
		after = id
	}
	switch {
	case c.prefix == "" && after == "":
		return expression.KeyConditionBuilder{}, false
	case c.prefix == "" && c.page.Desc:
		return sk.LessThan(expression.Value(after)), true
	case c.prefix == "":
		return sk.GreaterThan(expression.Value(after)), true
	case after == "":
		// The same keys as begins_with(prefix); a range, which DynamoDB
		// Local answers from its index, where begins_with slows down as the
		// partition grows (at the same read capacity).
		return sk.Between(expression.Value(c.prefix), expression.Value(c.prefix+"g")), true
	case c.page.Desc:
		// Keys of the prefix are the prefix then a hex id, all below prefix+"g".
		return sk.Between(expression.Value(c.prefix), expression.Value(after)), true
	default:
		return sk.Between(expression.Value(after), expression.Value(c.prefix+"g")), true
	}
}
