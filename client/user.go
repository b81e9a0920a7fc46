package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/profiles-service/profiles/shared/views"
)

// UpdateMyProfile changes the signed-in user's profile, creating it on the
// first update (POST /api/me/profile/update), under an Idempotency-Key (see
// WriteOptions). It sends the WithUserToken token.
func (c *Client) UpdateMyProfile(ctx context.Context, in UserInput, o *WriteOptions) (*User, error) {
	r, err := writeRequest(http.MethodPost, "/api/me/profile/update", authUser, in, o, true)
	if err != nil {
		return nil, err
	}
	return decodeUser(c.do(ctx, r))
}

// GetMyProfile reads the signed-in user's profile (GET /api/me/profile). It
// sends the WithUserToken token.
func (c *Client) GetMyProfile(ctx context.Context) (*User, error) {
	return decodeUser(c.do(ctx, request{method: http.MethodGet, target: "/api/me/profile", auth: authUser}))
}

// GetUserProfile reads a user's profile as a partner sees it (GET
// /api/users/{userId}/profile). It sends the WithAPIKey key.
func (c *Client) GetUserProfile(ctx context.Context, userID string) (*views.Partner, error) {
	rep, err := c.do(ctx, request{method: http.MethodGet, target: "/api/users/" + url.PathEscape(userID) + "/profile", auth: authPartner})
	if err != nil {
		return nil, err
	}
	var p views.Partner
	if err := rep.decodeInto(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

func decodeUser(rep *reply, err error) (*User, error) {
	if err != nil {
		return nil, err
	}
	u := &User{ETag: rep.header.Get("ETag"), Replayed: replayed(rep)}
	if err := rep.decodeInto(&u.User); err != nil {
		return nil, err
	}
	return u, nil
}

// ExportMyProfile reads everything the service holds about the signed-in
// user's profile (GET /api/me/profile/export). It sends the WithUserToken
// token.
func (c *Client) ExportMyProfile(ctx context.Context) (*views.Export, error) {
	return decodeExport(c.do(ctx, request{method: http.MethodGet, target: "/api/me/profile/export", auth: authUser}))
}
