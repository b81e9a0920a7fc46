package client

import (
	"context"
	"net/http"
	"net/url"
)

// CreateContact adds a contact to a profile (POST
// /profiles/{profileId}/contacts), under an Idempotency-Key (see
// WriteOptions).
func (c *Client) CreateContact(ctx context.Context, profileID string, in ContactInput, o *WriteOptions) (*Contact, error) {
	return c.writeContact(ctx, http.MethodPost, contactsPath(profileID), in, o, true)
}

// GetContact reads a contact (GET /profiles/{profileId}/contacts/{contactId}).
func (c *Client) GetContact(ctx context.Context, profileID, contactID string) (*Contact, error) {
	return decodeContact(c.do(ctx, request{method: http.MethodGet, target: contactPath(profileID, contactID)}))
}

// PatchContact changes the fields of a contact that in sets (PATCH
// /profiles/{profileId}/contacts/{contactId}). IfMatch is the contact's ETag.
func (c *Client) PatchContact(ctx context.Context, profileID, contactID string, in ContactInput, o *WriteOptions) (*Contact, error) {
	return c.writeContact(ctx, http.MethodPatch, contactPath(profileID, contactID), in, o, false)
}

// PutContact updates a contact (PUT
// /profiles/{profileId}/contacts/{contactId}); the API serves PUT as PATCH.
func (c *Client) PutContact(ctx context.Context, profileID, contactID string, in ContactInput, o *WriteOptions) (*Contact, error) {
	return c.writeContact(ctx, http.MethodPut, contactPath(profileID, contactID), in, o, false)
}

// DeleteContact removes a contact from its profile (DELETE
// /profiles/{profileId}/contacts/{contactId}). IfMatch is the contact's ETag.
func (c *Client) DeleteContact(ctx context.Context, profileID, contactID string, o *WriteOptions) error {
	r, err := writeRequest(http.MethodDelete, contactPath(profileID, contactID), authAdmin, nil, o, false)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, r)
	return err
}

func (c *Client) writeContact(ctx context.Context, method, target string, in ContactInput, o *WriteOptions, keyed bool) (*Contact, error) {
	r, err := writeRequest(method, target, authAdmin, in, o, keyed)
	if err != nil {
		return nil, err
	}
	return decodeContact(c.do(ctx, r))
}

func decodeContact(rep *reply, err error) (*Contact, error) {
	if err != nil {
		return nil, err
	}
	ct := &Contact{ETag: rep.header.Get("ETag"), Replayed: replayed(rep)}
	if err := rep.decodeInto(&ct.Contact); err != nil {
		return nil, err
	}
	return ct, nil
}

func contactsPath(profileID string) string { return profilePath(profileID) + "/contacts" }

func contactPath(profileID, contactID string) string {
	return contactsPath(profileID) + "/" + url.PathEscape(contactID)
}
