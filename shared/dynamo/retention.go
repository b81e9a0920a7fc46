package dynamo

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// DisabledBefore pages through the disabled profiles untouched since
// cutoff: touchTime before it, or, on an item written before touchTime
// was, updateTime before it (Purge's condition). No index is keyed by
// touchTime: the disabled partitions of the byUpdateTime index, shard by
// shard, oldest first in each, give the profiles updated before cutoff (a
// touch moves touchTime, never back before updateTime, so these hold every
// profile untouched since), and one read of their touchTime (BatchGetItem)
// leaves out those touched since. Its cost follows the number of disabled
// profiles updated before cutoff, not the table. after is the previous
// page's last key ("" to start); the returned key is "" when no more
// follow. A page may hold fewer than limit profiles while more follow.
func (s *Store) DisabledBefore(ctx context.Context, cutoff time.Time, limit int32, after string) ([]profile.Disabled, string, error) {
	disabled := func(shard int) string { return listPK(false, shard) }
	return pageShards(ctx, s, disabled, profile.FormatTime(cutoff), limit, after,
		func(items []map[string]types.AttributeValue) ([]profile.Disabled, error) {
			found := make([]profile.Disabled, 0, len(items))
			for _, it := range items {
				d := decoder{av: it}
				found = append(found, profile.Disabled{ID: strings.TrimPrefix(d.str("PK"), profilePrefix), Version: d.int("version")})
				if d.err != nil {
					return nil, d.err
				}
			}
			return s.untouchedSince(ctx, found, cutoff)
		})
}

// CutShortErasures pages through the profiles whose erasure was cut short
// at now: marked, and the mark's deadline (and clockSkew) past, as erase
// judges a mark it finds; enabled or disabled. They are the erasing
// partitions of the byUpdateTime index (erasingPK, where the mark moves a
// profile), shard by shard, and one read of their marks (BatchGetItem):
// its cost follows the erasures begun and not finished, not the table. A
// mark whose deadline is not past is an erasure under way, left out.
// after and the key returned are as DisabledBefore's.
func (s *Store) CutShortErasures(ctx context.Context, now time.Time, limit int32, after string) ([]string, string, error) {
	return pageShards(ctx, s, erasingPK, "", limit, after, func(items []map[string]types.AttributeValue) ([]string, error) {
		ids := make([]string, 0, len(items))
		for _, it := range items {
			ids = append(ids, strings.TrimPrefix(stringAttr(it, "PK"), profilePrefix))
		}
		marks, err := s.batchGet(ctx, ids, "PK", erasureAttr, erasureDeadlineAttr)
		if err != nil {
			return nil, err
		}
		cut := make(map[string]bool, len(marks))
		for _, it := range marks {
			if stringAttr(it, erasureAttr) != "" && !underWay(parseTime(stringAttr(it, erasureDeadlineAttr)), now) {
				cut[strings.TrimPrefix(stringAttr(it, "PK"), profilePrefix)] = true
			}
		}
		return slices.DeleteFunc(ids, func(id string) bool { return !cut[id] }), nil
	})
}

// pageShards pages through one partition of the byUpdateTime index per
// shard (partition names it), in turn, oldest first in each, its entries
// before below ("" for all), and returns what keep keeps of a query's
// page as soon as it keeps any (or no more follow). after is the previous
// page's next ("" to start): a shard and the last entry read; next is ""
// when no more follow.
func pageShards[T any](ctx context.Context, s *Store, partition func(shard int) string, below string, limit int32, after string,
	keep func([]map[string]types.AttributeValue) ([]T, error)) ([]T, string, error) {
	shard, last := 0, ""
	if after != "" {
		n, rest, _ := strings.Cut(after, "|")
		shard, _ = strconv.Atoi(n)
		last = rest
	}
	for shard < s.shards {
		pk := partition(shard)
		kc := expression.Key(listPartitionAttr).Equal(expression.Value(pk))
		if below != "" {
			kc = kc.And(expression.Key("byUpdateTime").LessThan(expression.Value(below)))
		}
		expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
		if err != nil {
			return nil, "", err
		}
		in := &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(indexFor("updateTime")),
			KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(),
			ExpressionAttributeValues: expr.Values(), Limit: aws.Int32(limit),
		}
		if last != "" {
			// An index's key is the table's key and the index's own.
			in.ExclusiveStartKey = key(profileKey(last[len(last)-24:]), profileSK)
			in.ExclusiveStartKey[listPartitionAttr] = &types.AttributeValueMemberS{Value: pk}
			in.ExclusiveStartKey["byUpdateTime"] = &types.AttributeValueMemberS{Value: last}
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", classify(err)
		}
		res, err := keep(out.Items)
		if err != nil {
			return nil, "", err
		}
		if out.LastEvaluatedKey != nil {
			last = stringAttr(out.LastEvaluatedKey, "byUpdateTime")
		} else {
			shard, last = shard+1, ""
		}
		next := ""
		if shard < s.shards {
			next = strconv.Itoa(shard) + "|" + last
		}
		if len(res) > 0 || next == "" {
			return res, next, nil
		}
	}
	return nil, "", nil
}

// untouchedSince keeps, of the profiles found, those whose item is still
// untouched since cutoff, as Purge's condition judges it: a read of their
// touchTime and updateTime, eventually consistent as the index that named
// them (Purge's condition decides on the item as it is). A profile gone
// since is left out.
func (s *Store) untouchedSince(ctx context.Context, found []profile.Disabled, cutoff time.Time) ([]profile.Disabled, error) {
	before := profile.FormatTime(cutoff)
	ids := make([]string, len(found))
	for i, d := range found {
		ids[i] = d.ID
	}
	items, err := s.batchGet(ctx, ids, "PK", "touchTime", "updateTime")
	if err != nil {
		return nil, err
	}
	untouched := make(map[string]bool, len(items))
	for _, it := range items {
		// Both are FormatTime's fixed-width UTC form: they compare as the
		// times they are, as in Purge's condition.
		touched := stringAttr(it, "touchTime")
		if touched == "" {
			touched = stringAttr(it, "updateTime")
		}
		if touched != "" && touched < before {
			untouched[strings.TrimPrefix(stringAttr(it, "PK"), profilePrefix)] = true
		}
	}
	res := make([]profile.Disabled, 0, len(untouched))
	for _, d := range found {
		if untouched[d.ID] {
			res = append(res, d)
		}
	}
	return res, nil
}

// Purge erases a profile the retention job found (DisabledBefore), as
// Erase does (reason retention), if it is still at the version found and
// neither it nor any of its contacts changed since cutoff (touchTime;
// updateTime on an item written before touchTime was); otherwise
// ErrPreconditionFailed. One whose erasure was cut short is finished.
func (s *Store) Purge(ctx context.Context, d profile.Disabled, cutoff time.Time) error {
	before := expression.Value(profile.FormatTime(cutoff))
	untouched := expression.Name("touchTime").LessThan(before).Or(
		expression.AttributeNotExists(expression.Name("touchTime")).And(expression.Name("updateTime").LessThan(before)))
	return s.erase(ctx, d.ID, profile.ErasedByRetention, profile.ErrPreconditionFailed,
		func(p *profile.Profile) (expression.ConditionBuilder, error) {
			if p.Version != d.Version {
				return expression.ConditionBuilder{}, profile.ErrPreconditionFailed
			}
			return untouched, nil
		})
}
