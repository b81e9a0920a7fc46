package linearizability

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/shared/profile"
)

// API sends the requests of a history to the service over HTTP, with the
// client package. Slot i is the profile of end user Users[i]
// (profile.UserProfileID), which the admin routes address by its id and the
// user routes by the user's token.
type API struct {
	BaseURL    string
	AdminToken string
	Users      []string // each slot's user id
	UserTokens []string // each slot's user's token
	Client     *http.Client
}

// ProfileID is the id of slot's profile.
func (a *API) ProfileID(slot int) string { return profile.UserProfileID(a.Users[slot]) }

// Do sends the request once (the generator makes each retry an operation
// of its own) and reads its answer.
func (a *API) Do(ctx context.Context, in Input) Output {
	opts := []client.Option{client.WithHTTPClient(a.Client), client.WithRetry(1)}
	if in.Kind == UpdateUser || in.Kind == GetUser {
		opts = append(opts, client.WithUserToken(a.UserTokens[in.Slot]))
	} else {
		opts = append(opts, client.WithBearerToken(a.AdminToken))
	}
	c := client.New(a.BaseURL, opts...)
	w := &client.WriteOptions{IdempotencyKey: in.Key, NoIdempotencyKey: in.Key == ""}
	if in.IfMatch != 0 {
		w.IfMatch = strconv.Quote(strconv.FormatInt(in.IfMatch, 10))
	}
	id := a.ProfileID(in.Slot)
	var (
		p   *client.Profile
		ct  *client.Contact
		u   *client.User
		err error
	)
	status := http.StatusOK
	switch in.Kind {
	case GetProfile:
		p, err = c.GetProfile(ctx, id)
	case PatchProfile:
		if in.Put {
			p, err = c.PutProfile(ctx, id, profileInput(in.Body), w)
		} else {
			p, err = c.PatchProfile(ctx, id, profileInput(in.Body), w)
		}
	case DeleteProfile:
		err, status = c.DeleteProfile(ctx, id, w), http.StatusNoContent
	case AddContact:
		ct, err = c.CreateContact(ctx, id, contactInput(in.Body), w)
		status = http.StatusCreated
	case UpdateContact:
		ct, err = c.PatchContact(ctx, id, in.ContactID, contactInput(in.Body), w)
	case RemoveContact:
		err, status = c.DeleteContact(ctx, id, in.ContactID, w), http.StatusNoContent
	case GetContact:
		ct, err = c.GetContact(ctx, id, in.ContactID)
	case UpdateUser:
		u, err = c.UpdateMyProfile(ctx, userInput(in.Body), w)
	case GetUser:
		u, err = c.GetMyProfile(ctx)
	}
	if err != nil {
		return failed(err)
	}
	out := Output{Status: status}
	switch {
	case p != nil:
		out.Profile, out.ETag = &p.Profile, version(p.ETag)
	case ct != nil:
		out.Contact, out.ETag = &ct.Contact, version(ct.ETag)
	case u != nil:
		out.User, out.ETag = &u.User, version(u.ETag)
	}
	return out
}

// failed reads an error answer: a 503 outcome-unknown or another 5xx may
// have landed, as may a request that got no answer; a plain 503 did not
// (docs/api.md, "Errors").
func failed(err error) Output {
	var e *client.Error
	if !errors.As(err, &e) {
		return Output{Unknown: true, Error: err.Error()}
	}
	out := Output{Status: e.Status, Problem: e.Type}
	switch {
	case e.OutcomeUnknown():
		out.Unknown = true
	case e.Status == http.StatusServiceUnavailable:
		out.Refused = true
	case e.Status >= 500:
		out.Unknown, out.Error = true, strings.TrimSpace(string(e.Body))
	}
	return out
}

// version is the version an ETag names; 0 for none.
func version(etag string) int64 {
	n, _ := strconv.ParseInt(strings.Trim(etag, `"`), 10, 64)
	return n
}

// The client's inputs from a body: a field absent, null or with a value.
func text(body map[string]any, name string) client.Opt[string] {
	v, ok := body[name]
	switch {
	case !ok:
		return client.Opt[string]{}
	case v == nil:
		return client.Null[string]()
	}
	return client.Value(v.(string))
}

func boolean(body map[string]any, name string) client.Opt[bool] {
	if v, ok := body[name]; ok {
		return client.Value(v.(bool))
	}
	return client.Opt[bool]{}
}

func profileInput(body map[string]any) client.ProfileInput {
	in := client.ProfileInput{FirstName: text(body, "firstName"), MiddleName: text(body, "middleName"), LastName: text(body, "lastName"),
		CountryNumericCode: text(body, "countryNumericCode"), UUID: text(body, "uuid"), Enabled: boolean(body, "enabled")}
	if tags, ok := body["tags"]; ok {
		in.Tags = client.Value(tags.([]string))
	}
	return in
}

func contactInput(body map[string]any) client.ContactInput {
	return client.ContactInput{Key: text(body, "key"), Value: text(body, "value"), UUID: text(body, "uuid"), Verified: boolean(body, "verified")}
}

func userInput(body map[string]any) client.UserInput {
	return client.UserInput{GivenName: text(body, "givenName"), FamilyName: text(body, "familyName"), Email: text(body, "email"),
		FeatureUpdates: boolean(body, "featureUpdates"), MarketingUpdates: boolean(body, "marketingUpdates")}
}

// ServerErrors are the answers of ops that are 5xx other than 503: the
// service never answers them for a request it can serve.
func ServerErrors(h *History) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, op := range h.ops {
		if o := op.Output.(Output); o.Status >= 500 && o.Status != http.StatusServiceUnavailable || o.Error != "" && o.Status != 0 && !o.Unknown {
			out = append(out, describe(op.Input.(Input), o))
		}
	}
	return out
}
