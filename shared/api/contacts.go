package api

import (
	"net/http"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

func listContacts(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		lr, err := parseList(contactListing, []string{r.PathValue("profileId")}, r.URL.Query(), d.cursors())
		if err != nil {
			return err
		}
		q := profile.ContactQuery{Page: lr.page}
		if k, ok := lr.filters["key"]; ok {
			if k != profile.KeyEmail && k != profile.KeyPhone {
				return badRequest("filter[key]", "must be email or phone")
			}
			q.Key = &k
		}
		p, err := d.Store.Get(r.Context(), r.PathValue("profileId"))
		if err != nil {
			return err
		}
		res := profile.ListContacts(p, q)
		if res.More {
			w.Header().Set("Link", lr.nextLink(r.URL.Path, d.cursors(), res.Last))
		}
		out := make([]views.Contact, len(res.Items))
		for i := range res.Items {
			out[i] = views.ContactOf(&res.Items[i])
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

func getContact(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		c, err := d.Store.GetContact(r.Context(), r.PathValue("profileId"), r.PathValue("contactId"))
		if err != nil {
			return err
		}
		writeContact(w, http.StatusOK, c)
		return nil
	})
}

func createContact(d Deps, once *idempotency.Record) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body contactBody
		if err := decode(r, &body); err != nil {
			return err
		}
		var created profile.Contact
		p, err := d.Store.Update(r.Context(), r.PathValue("profileId"), profile.Precondition{}, func(p *profile.Profile) error {
			c, err := p.AddContact(body.changes(), d.now())
			if err != nil {
				return err
			}
			created = *c
			if once != nil {
				once.ProfileID, once.ContactID = p.ID, c.ID
			}
			return nil
		}, once)
		if err != nil {
			return err
		}
		w.Header().Set("Location", contactLocation(p.ID, created.ID))
		writeContact(w, http.StatusCreated, &created)
		return nil
	}
}

func contactLocation(profileID, contactID string) string {
	return "/profiles/" + profileID + "/contacts/" + contactID
}

func updateContact(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var body contactBody
		if err := decode(r, &body); err != nil {
			return err
		}
		match, err := ifMatch(r)
		if err != nil {
			return err
		}
		contactID := r.PathValue("contactId")
		var updated profile.Contact
		_, err = d.Store.Update(r.Context(), r.PathValue("profileId"), profile.Precondition{}, func(p *profile.Profile) error {
			if cur := p.Contact(contactID); cur != nil && !match.Allows(cur.Version) {
				return profile.ErrPreconditionFailed
			}
			c, err := p.UpdateContact(contactID, body.changes(), d.now())
			if err == nil {
				updated = *c
			}
			return err
		}, nil)
		if err != nil {
			return err
		}
		writeContact(w, http.StatusOK, &updated)
		return nil
	})
}

func deleteContact(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		match, err := ifMatch(r)
		if err != nil {
			return err
		}
		contactID := r.PathValue("contactId")
		_, err = d.Store.Update(r.Context(), r.PathValue("profileId"), profile.Precondition{}, func(p *profile.Profile) error {
			if cur := p.Contact(contactID); cur != nil && !match.Allows(cur.Version) {
				return profile.ErrPreconditionFailed
			}
			return p.RemoveContact(contactID)
		}, nil)
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func writeContact(w http.ResponseWriter, status int, c *profile.Contact) {
	w.Header().Set("ETag", etag(c.Version))
	encode(w, status, views.ContactOf(c))
}
