package client

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/profiles-service/profiles/shared/views"
)

// ErasureSubject names whose profiles to erase: set exactly one field.
type ErasureSubject struct {
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	UUID      string `json:"uuid,omitempty"`
	UserID    string `json:"userId,omitempty"`
	ProfileID string `json:"profileId,omitempty"`
}

// MarshalJSON is the request body: the fields set.
func (s ErasureSubject) MarshalJSON() ([]byte, error) {
	type plain ErasureSubject // without this method
	return json.Marshal(plain(s))
}

// Receipt is an erasure request's answer, and whether it was a replay.
type Receipt struct {
	views.Receipt
	Replayed bool
}

// EraseProfiles erases every profile the subject names (POST
// /profiles/erasures) and returns the receipt. It sends an
// Idempotency-Key (o's, or a fresh one), so a retry replays the receipt.
func (c *Client) EraseProfiles(ctx context.Context, sub ErasureSubject, o *WriteOptions) (*Receipt, error) {
	r, err := writeRequest(http.MethodPost, "/profiles/erasures", authAdmin, sub, o, true)
	if err != nil {
		return nil, err
	}
	rep, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	rc := &Receipt{Replayed: replayed(rep)}
	if err := rep.decodeInto(&rc.Receipt); err != nil {
		return nil, err
	}
	return rc, nil
}

// DeleteMyProfile erases the signed-in user's own profile (DELETE
// /api/me/profile).
func (c *Client) DeleteMyProfile(ctx context.Context) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, target: "/api/me/profile", auth: authUser})
	return err
}
