package dynamo

// SortKey is sortKey, for the external tests that compare listings with an
// in-memory order.
var SortKey = sortKey

// ShardOf is shardOf, for the tests that place profiles in chosen list
// partitions.
var ShardOf = shardOf
