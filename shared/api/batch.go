package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// maxBatchBody is the largest body of POST /profiles/batch (4 MB): 100
// profiles each at every limit take about 3.3 MB (TestBatchOfLargestProfilesFits),
// and Lambda takes at most 6 MB of request, the body escaped in its event.
const maxBatchBody = 4 << 20

// batchBody is the body of POST /profiles/batch. Its items are read one by
// one (batchItemBody), so that what is wrong inside one is that item's 400.
type batchBody struct {
	Items []json.RawMessage `json:"items"`
}

// batchItemBody is one item of a batch.
type batchItemBody struct {
	Op      string       `json:"op"`
	Match   string       `json:"match"`
	ID      string       `json:"id"`
	Profile *profileBody `json:"profile"`
}

// batchResult is one item's result in the 207.
type batchResult struct {
	Status  int            `json:"status"`
	Outcome string         `json:"outcome,omitempty"`
	Profile *views.Profile `json:"profile,omitempty"`
	Problem *problem       `json:"problem,omitempty"`
}

// batchProfiles runs up to 100 creates and upserts (profile.Service.Batch)
// and answers 207 with one result per item. With an Idempotency-Key, each
// item's write takes the key's record at the item's position
// (itemRecord), and an item whose key was used answers as it first did.
func batchProfiles(d Deps) http.Handler {
	hasher := requestHasher(d)
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		key, err := idempotencyKey(r)
		if err != nil {
			return err
		}
		var once *idempotency.Record
		if key != "" {
			if once, err = claim(r, hasher, key, d.service.Now(), maxBatchBody); err != nil {
				return err
			}
		}
		items, err := decodeBatch(r)
		if err != nil {
			return err
		}
		results, err := d.service.Batch(r.Context(), items, itemRecords(once))
		if err != nil {
			return err
		}
		out := make([]batchResult, len(results))
		for i, res := range results {
			if res.Replay != nil {
				w.Header().Set("Idempotent-Replayed", "true")
			}
			out[i] = resultOf(r, res)
		}
		encode(w, http.StatusMultiStatus, struct {
			Results []batchResult `json:"results"`
		}{out})
		return nil
	})
}

// decodeBatch reads the body: a JSON object whose items are JSON objects
// (else the request's 400). What is wrong inside an item is that item's
// Err, with the item's field names ("op", "profile.firstName").
func decodeBatch(r *http.Request) ([]profile.BatchItem, error) {
	body, err := readBody(r, maxBatchBody)
	if err != nil {
		return nil, err
	}
	var b batchBody
	if err := decodeBytes(body, &b); err != nil {
		return nil, err
	}
	items := make([]profile.BatchItem, len(b.Items))
	for i, raw := range b.Items {
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			return nil, badRequest("items["+strconv.Itoa(i)+"]", "must be a JSON object: a batch item")
		}
		var ib batchItemBody
		switch err := decodeBytes(raw, &ib); {
		case err != nil:
			items[i].Err = err
		case ib.Profile == nil:
			items[i].Err = badRequest("profile", "is required: the Profile object as POST /profiles takes it")
		default:
			items[i] = profile.BatchItem{Op: ib.Op, Match: ib.Match, ID: ib.ID, Input: ib.Profile.input()}
		}
	}
	return items, nil
}

// itemRecords gives each item's write of a keyed batch its record
// (itemRecord) with the status the item answers; nil without a key.
func itemRecords(batch *idempotency.Record) profile.BatchKey {
	if batch == nil {
		return nil
	}
	return func(position int, o profile.Outcome) *idempotency.Record {
		rec := itemRecord(batch, position)
		rec.Status = outcomeStatus(o)
		return rec
	}
}

// itemRecord is the record of a keyed batch's item: the batch's key (so
// the same caller's) and "#" and the item's position, the batch's request
// hash (so the same key with another batch is each used item's 422).
func itemRecord(batch *idempotency.Record, position int) *idempotency.Record {
	rec := *batch
	rec.Key = batch.Key + "#" + strconv.Itoa(position)
	rec.Kind = idempotency.KindBatchItem
	return &rec
}

func outcomeStatus(o profile.Outcome) int {
	if o == profile.OutcomeCreated {
		return http.StatusCreated
	}
	return http.StatusOK
}

// resultOf is an item's result on the wire: its status and outcome with
// the profile, or its problem.
func resultOf(r *http.Request, res profile.BatchResult) batchResult {
	if rp := res.Replay; rp != nil {
		// The item's first run: its outcome then, the profile as it is now.
		res.Outcome, res.Profile = profile.OutcomeUpdated, rp.Profile
		if rp.Record.Status == http.StatusCreated {
			res.Outcome = profile.OutcomeCreated
		}
	}
	if res.Err != nil {
		p, _ := problemOf(r, res.Err)
		return batchResult{Status: p.Status, Problem: &p}
	}
	v := views.ProfileOf(res.Profile)
	return batchResult{Status: outcomeStatus(res.Outcome), Outcome: string(res.Outcome), Profile: &v}
}
