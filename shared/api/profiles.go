package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

func listProfiles(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		lr, err := parseList(profileListing, nil, r.URL.Query(), d.cursors())
		if err != nil {
			return err
		}
		filter, err := profileFilter(lr.filters)
		if err != nil {
			return err
		}
		res, err := d.service.List(r.Context(), profile.ListQuery{Page: lr.page, Filter: filter})
		if err != nil {
			return err
		}
		if res.More {
			w.Header().Set("Link", lr.nextLink(r.URL.Path, d.cursors(), res.Last))
		}
		out := make([]views.Profile, len(res.Items))
		for i := range res.Items {
			out[i] = views.ProfileOf(&res.Items[i])
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

func getProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := d.service.Get(r.Context(), r.PathValue("profileId"))
		if err != nil {
			return err
		}
		writeProfile(w, http.StatusOK, p)
		return nil
	})
}

func createProfile(d Deps, once *idempotency.Record) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body profileBody
		if err := decode(r, &body); err != nil {
			return err
		}
		p, err := d.service.Create(r.Context(), body.input(), once)
		if err != nil {
			return err
		}
		w.Header().Set("Location", profileLocation(p.ID))
		writeProfile(w, http.StatusCreated, p)
		return nil
	}
}

func profileLocation(id string) string { return "/profiles/" + id }

func updateProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var body profileBody
		if err := decode(r, &body); err != nil {
			return err
		}
		match, err := ifMatch(r)
		if err != nil {
			return err
		}
		p, err := d.service.Update(r.Context(), r.PathValue("profileId"), match, body.changes())
		if err != nil {
			return err
		}
		writeProfile(w, http.StatusOK, p)
		return nil
	})
}

func deleteProfile(d Deps) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		match, err := ifMatch(r)
		if err != nil {
			return err
		}
		if err := d.service.Delete(r.Context(), r.PathValue("profileId"), match); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func writeProfile(w http.ResponseWriter, status int, p *profile.Profile) {
	setETag(w, p.Version)
	encode(w, status, views.ProfileOf(p))
}

// setETag sets the ETag of a version; 0 is a write that landed but whose
// version a read could not learn (dynamo.Store.Update), so it has none.
func setETag(w http.ResponseWriter, version int64) {
	if version != 0 {
		w.Header().Set("ETag", etag(version))
	}
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads the If-Match header: no precondition when absent,
// profile.IfMatchAny for "*", else the versions its entity tags name. A tag
// this API never issues matches no version, so the write is a 412.
func ifMatch(r *http.Request) (profile.Precondition, error) {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return profile.Precondition{}, nil
	}
	var versions []int64
	for _, v := range values {
		for _, tag := range strings.Split(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				return profile.IfMatchAny(), nil
			}
			// If-Match compares strongly (RFC 9110 13.1.1): a weak tag matches nothing.
			weak := strings.HasPrefix(tag, "W/")
			tag = strings.TrimPrefix(tag, "W/")
			if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
				return profile.Precondition{}, badRequest("If-Match", "must be \"*\" or a list of entity tags such as \"3\"")
			}
			if n, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64); err == nil && !weak {
				versions = append(versions, n)
			}
		}
	}
	return profile.IfMatch(versions...), nil
}
