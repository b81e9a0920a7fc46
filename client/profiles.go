package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/profiles-service/profiles/shared/views"
)

// Profile is a profile as an answer carried it, with its version.
type Profile struct {
	views.Profile
	// ETag is the answer's ETag, the version to send as IfMatch; "" when
	// the answer had none (a PATCH that landed but could not read back).
	ETag string
	// Replayed says the answer replays an earlier request with the same
	// Idempotency-Key (Idempotent-Replayed: true): this call changed nothing.
	Replayed bool
}

// Contact is a contact as an answer carried it, with its version.
type Contact struct {
	views.Contact
	// ETag is the answer's ETag, the version to send as IfMatch.
	ETag string
	// Replayed says the answer replays an earlier request with the same
	// Idempotency-Key: this call changed nothing.
	Replayed bool
}

// User is the signed-in user's view of their profile, with its version.
type User struct {
	views.User
	// ETag is the answer's ETag.
	ETag string
	// Replayed says the answer replays an earlier request with the same
	// Idempotency-Key: this call changed nothing.
	Replayed bool
}

// CreateProfile adds a profile (POST /profiles) with its contacts, under an
// Idempotency-Key (see WriteOptions).
func (c *Client) CreateProfile(ctx context.Context, in ProfileInput, o *WriteOptions) (*Profile, error) {
	return c.writeProfile(ctx, http.MethodPost, "/profiles", in, o, true)
}

// GetProfile reads a profile (GET /profiles/{profileId}).
func (c *Client) GetProfile(ctx context.Context, id string) (*Profile, error) {
	return decodeProfile(c.do(ctx, request{method: http.MethodGet, target: profilePath(id)}))
}

// PutProfile updates a profile (PUT /profiles/{profileId}). The API
// serves PUT as PATCH: fields that in leaves absent keep their values.
func (c *Client) PutProfile(ctx context.Context, id string, in ProfileInput, o *WriteOptions) (*Profile, error) {
	return c.writeProfile(ctx, http.MethodPut, profilePath(id), in, o, false)
}

// PatchProfile changes the fields of a profile that in sets (PATCH
// /profiles/{profileId}).
func (c *Client) PatchProfile(ctx context.Context, id string, in ProfileInput, o *WriteOptions) (*Profile, error) {
	return c.writeProfile(ctx, http.MethodPatch, profilePath(id), in, o, false)
}

// DeleteProfile deletes a profile and its contacts (DELETE
// /profiles/{profileId}).
func (c *Client) DeleteProfile(ctx context.Context, id string, o *WriteOptions) error {
	r, err := writeRequest(http.MethodDelete, profilePath(id), authAdmin, nil, o, false)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, r)
	return err
}

func (c *Client) writeProfile(ctx context.Context, method, target string, in ProfileInput, o *WriteOptions, keyed bool) (*Profile, error) {
	r, err := writeRequest(method, target, authAdmin, in, o, keyed)
	if err != nil {
		return nil, err
	}
	return decodeProfile(c.do(ctx, r))
}

func decodeProfile(rep *reply, err error) (*Profile, error) {
	if err != nil {
		return nil, err
	}
	p := &Profile{ETag: rep.header.Get("ETag"), Replayed: replayed(rep)}
	if err := rep.decodeInto(&p.Profile); err != nil {
		return nil, err
	}
	return p, nil
}

func replayed(rep *reply) bool { return rep.header.Get("Idempotent-Replayed") == "true" }

func profilePath(id string) string { return "/profiles/" + url.PathEscape(id) }

// ExportProfile reads everything the service holds about a profile (GET
// /profiles/{profileId}/export), the document of an access request.
func (c *Client) ExportProfile(ctx context.Context, id string) (*views.Export, error) {
	return decodeExport(c.do(ctx, request{method: http.MethodGet, target: profilePath(id) + "/export"}))
}

func decodeExport(rep *reply, err error) (*views.Export, error) {
	if err != nil {
		return nil, err
	}
	var e views.Export
	if err := rep.decodeInto(&e); err != nil {
		return nil, err
	}
	return &e, nil
}
