package testenv

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// indexEntry is an entry of a list index as a Query answered it.
type indexEntry struct {
	item map[string]json.RawMessage
	sort string // its range key's value
	at   time.Time
}

// listIndexes are the range keys of the template's indexes partitioned by
// listPK, by index name.
func listIndexes(tb testing.TB) map[string]string {
	tb.Helper()
	tpl, err := samtemplate.FindAndLoad(Root(tb))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for _, ix := range tpl.Table.GlobalSecondaryIndexes {
		if len(ix.KeySchema) == 2 && ix.KeySchema[0].AttributeName == "listPK" {
			out[ix.IndexName] = ix.KeySchema[1].AttributeName
		}
	}
	return out
}

// lagQuery forwards a Query and, when it reads a list index, may add to
// its answer an entry the index partition answered lately and has lost
// since (LagIndex).
func (fp *FaultProxy) lagQuery(w http.ResponseWriter, r *http.Request, target string, rate float64, window time.Duration) {
	body, resp, answer, ok := relay(r.Context(), target, r)
	if !ok {
		return
	}
	var in struct {
		IndexName              string
		ScanIndexForward       *bool
		Limit                  *int
		ExclusiveStartKey      map[string]json.RawMessage
		KeyConditionExpression string
	}
	_ = json.Unmarshal(body, &in)
	if rangeKey, ok := fp.indexKeys[in.IndexName]; ok && resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Encoding") == "" {
		forward := in.ScanIndexForward == nil || *in.ScanIndexForward
		// A Query that names no start (no start key, no range condition)
		// covers its partition from the first entry.
		fromStart := in.ExclusiveStartKey == nil && !strings.Contains(in.KeyConditionExpression, " AND ")
		answer = fp.lag(in.IndexName, rangeKey, forward, fromStart, in.Limit, answer, rate, window)
		resp.Header.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(answer)), 10))
		resp.Header.Del("Content-Length")
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// lag remembers the entries of a Query's answer and, with probability
// rate, adds one its index partition answered within window but lacks now.
func (fp *FaultProxy) lag(index, sortAttr string, forward, fromStart bool, limit *int, answer []byte, rate float64, window time.Duration) []byte {
	var out map[string]json.RawMessage
	var items []map[string]json.RawMessage
	if json.Unmarshal(answer, &out) != nil || json.Unmarshal(out["Items"], &items) != nil || len(items) == 0 {
		return answer
	}
	str := func(item map[string]json.RawMessage, attr string) string {
		var v struct{ S string }
		_ = json.Unmarshal(item[attr], &v)
		return v.S
	}
	id := func(item map[string]json.RawMessage) string {
		return str(item, "PK") + "\x00" + str(item, "SK") + "\x00" + str(item, sortAttr)
	}
	now := time.Now()
	fp.mu.Lock()
	part := index + "\x00" + str(items[0], "listPK")
	mem := fp.answered[part]
	if mem == nil {
		mem = map[string]indexEntry{}
		fp.answered[part] = mem
	}
	in := map[string]bool{}
	// The range of sort values the answer covers: from its first entry
	// (or the partition's start) to its last (or the partition's end).
	first, last := str(items[0], sortAttr), str(items[len(items)-1], sortAttr)
	if fromStart {
		first = ""
	}
	if _, more := out["LastEvaluatedKey"]; !more {
		last = ""
	}
	covers := func(v string) bool {
		if !forward {
			return (first == "" || v <= first) && (last == "" || v >= last)
		}
		return (first == "" || v >= first) && (last == "" || v <= last)
	}
	for _, it := range items {
		in[id(it)] = true
		mem[id(it)] = indexEntry{item: it, sort: str(it, sortAttr), at: now}
	}
	var stale []indexEntry
	for k, e := range mem {
		switch {
		case now.Sub(e.at) > window:
			delete(mem, k)
		case !in[k] && covers(e.sort):
			stale = append(stale, e)
		}
	}
	fp.mu.Unlock()
	if len(stale) == 0 || rand.Float64() >= rate {
		return answer
	}
	fp.mu.Lock()
	fp.lagged++
	fp.mu.Unlock()
	slices.SortFunc(stale, func(a, b indexEntry) int { return bytes.Compare([]byte(a.sort), []byte(b.sort)) })
	ghost := stale[rand.IntN(len(stale))]
	at := slices.IndexFunc(items, func(it map[string]json.RawMessage) bool {
		if forward {
			return str(it, sortAttr) > ghost.sort
		}
		return str(it, sortAttr) < ghost.sort
	})
	if at < 0 {
		at = len(items)
	}
	items = slices.Insert(items, at, ghost.item)
	if limit != nil && len(items) > *limit {
		// DynamoDB never answers more than Limit: the last entry waits for
		// the next page, which starts after the new last one.
		items = items[:*limit]
		last := items[len(items)-1]
		lek := map[string]json.RawMessage{"PK": last["PK"], "SK": last["SK"], "listPK": last["listPK"], sortAttr: last[sortAttr]}
		out["LastEvaluatedKey"], _ = json.Marshal(lek)
	}
	out["Items"], _ = json.Marshal(items)
	out["Count"], _ = json.Marshal(len(items))
	changed, err := json.Marshal(out)
	if err != nil {
		return answer
	}
	return changed
}

// Lagged is how many entries LagIndex has answered again so far.
func (fp *FaultProxy) Lagged() int {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.lagged
}
