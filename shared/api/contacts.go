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
		res, err := d.service.ListContacts(r.Context(), r.PathValue("profileId"), q)
		if err != nil {
			return err
		}
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
		c, err := d.service.GetContact(r.Context(), r.PathValue("profileId"), r.PathValue("contactId"))
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
		profileID := r.PathValue("profileId")
		c, err := d.service.AddContact(r.Context(), profileID, body.changes(), once)
		if err != nil {
			return err
		}
		w.Header().Set("Location", contactLocation(profileID, c.ID))
		writeContact(w, http.StatusCreated, c)
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
		c, err := d.service.UpdateContact(r.Context(), r.PathValue("profileId"), r.PathValue("contactId"), match, body.changes())
		if err != nil {
			return err
		}
		writeContact(w, http.StatusOK, c)
		return nil
	})
}

func deleteContact(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		match, err := ifMatch(r)
		if err != nil {
			return err
		}
		if err := d.service.RemoveContact(r.Context(), r.PathValue("profileId"), r.PathValue("contactId"), match); err != nil {
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
