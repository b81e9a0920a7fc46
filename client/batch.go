package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/profiles-service/profiles/shared/views"
)

// The operations of a batch item.
const (
	OpCreate = "create" // create the profile, as CreateProfile does
	OpUpsert = "upsert" // update the profile Match finds, or create it when none matches
)

// The natural keys an upsert matches a profile by.
const (
	MatchID    = "id"    // the profile's id (Profile.ID): updates it, or creates the profile at that id
	MatchUUID  = "uuid"  // the profile's uuid
	MatchEmail = "email" // the value of the profile's one email contact
	MatchPhone = "phone" // the value of the profile's one phone contact
)

// The outcomes of a batch item that succeeded.
const (
	OutcomeCreated   = "created"   // a new profile (status 201)
	OutcomeUpdated   = "updated"   // the matched profile changed (status 200)
	OutcomeUnchanged = "unchanged" // the matched profile already held the item's values (status 200)
)

// BatchLimit is the most items one Batch takes.
const BatchLimit = 100

// BatchItem is one item of a batch: a create, or an upsert by a natural key.
type BatchItem struct {
	// Op is OpCreate or OpUpsert.
	Op string
	// Match is the natural key of an upsert (one of the Match constants);
	// "" for a create.
	Match string
	// ID is the profile id an upsert with MatchID matches; "" otherwise.
	ID string
	// Profile is the profile as CreateProfile takes it. An upsert that
	// finds its profile sets the fields Profile sets and adds the contacts
	// the profile lacks (by key and value); it removes nothing.
	Profile ProfileInput
}

// MarshalJSON is the item as the batch route takes it.
func (it BatchItem) MarshalJSON() ([]byte, error) {
	p, err := it.Profile.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var o object
	field(&o, "op", Value(it.Op))
	if it.Match != "" {
		field(&o, "match", Value(it.Match))
	}
	if it.ID != "" {
		field(&o, "id", Value(it.ID))
	}
	field(&o, "profile", Value(json.RawMessage(p)))
	return o.bytes()
}

// BatchResult is the result of one item, in the order of the items.
type BatchResult struct {
	// Status is the item's own status: 201 created, 200 updated or
	// unchanged, or the 4xx/503 of its problem.
	Status int
	// Outcome is one of the Outcome constants; "" when the item failed.
	Outcome string
	// Profile is the profile the item left; nil when it failed.
	Profile *views.Profile
	// Err is the item's problem (its Type, Detail and Errors say why); nil
	// when it succeeded. Err.OutcomeUnknown() says the item may have landed:
	// send the batch again with the same key.
	Err *Error
}

// BatchOptions are a batch's idempotency. A nil *BatchOptions draws a key.
type BatchOptions struct {
	// IdempotencyKey replays the whole answer of an earlier batch with the
	// same key; each item's writes are idempotent under the key and the
	// item's position, so a batch sent again never creates a profile twice.
	// "" makes the client draw one for the call, kept across its retries.
	IdempotencyKey string
}

// Batch creates or upserts up to BatchLimit profiles (POST
// /profiles/batch), each atomic on its own. It returns one result per item,
// in order; an error only when the batch as a whole got no 207.
func (c *Client) Batch(ctx context.Context, items []BatchItem, o *BatchOptions) ([]BatchResult, error) {
	body, err := json.Marshal(struct {
		Items []BatchItem `json:"items"`
	}{items})
	if err != nil {
		return nil, err
	}
	r := request{method: http.MethodPost, target: "/profiles/batch", auth: authAdmin, body: body}
	if o != nil {
		r.key = o.IdempotencyKey
	}
	if r.key == "" {
		r.key = newKey()
	}
	rep, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	var wire struct {
		Results []struct {
			Status  int             `json:"status"`
			Outcome string          `json:"outcome"`
			Profile *views.Profile  `json:"profile"`
			Problem json.RawMessage `json:"problem"`
		} `json:"results"`
	}
	if err := rep.decodeInto(&wire); err != nil {
		return nil, err
	}
	if len(wire.Results) != len(items) {
		return nil, fmt.Errorf("client: POST /profiles/batch: %d results for %d items", len(wire.Results), len(items))
	}
	out := make([]BatchResult, len(items))
	for i, w := range wire.Results {
		out[i] = BatchResult{Status: w.Status, Outcome: w.Outcome, Profile: w.Profile}
		if len(w.Problem) > 0 && string(w.Problem) != "null" {
			out[i].Err = itemError(i, w.Status, w.Problem, rep.header.Get("apigw-requestid"))
		}
	}
	return out, nil
}

// itemError decodes item i's problem+json object.
func itemError(i, status int, problem []byte, requestID string) *Error {
	resp := &http.Response{StatusCode: status, Header: http.Header{
		"Content-Type":    {"application/problem+json"},
		"Apigw-Requestid": {requestID},
	}}
	return newError(http.MethodPost, "/profiles/batch#"+strconv.Itoa(i), resp, problem)
}
