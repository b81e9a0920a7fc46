package dynamo

// SortKey is sortKey, for the external tests that compare listings with an
// in-memory order.
var SortKey = sortKey
