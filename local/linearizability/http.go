package linearizability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// API sends the requests of a history to the service over HTTP. Slot i is
// the profile of end user Users[i] (profile.UserProfileID), which the
// admin routes address by its id and the user routes by the user's token.
type API struct {
	BaseURL    string
	AdminToken string
	Users      []string // each slot's user id
	UserTokens []string // each slot's user's token
	Client     *http.Client
}

// ProfileID is the id of slot's profile.
func (a *API) ProfileID(slot int) string { return profile.UserProfileID(a.Users[slot]) }

// Do sends the request and reads its answer.
func (a *API) Do(ctx context.Context, in Input) Output {
	method, path, token := a.route(in)
	var body io.Reader
	if in.Body != nil {
		b, err := json.Marshal(in.Body)
		if err != nil {
			panic(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.BaseURL+path, body)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if in.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if in.IfMatch != 0 {
		req.Header.Set("If-Match", strconv.Quote(strconv.FormatInt(in.IfMatch, 10)))
	}
	if in.Key != "" {
		req.Header.Set("Idempotency-Key", in.Key)
	}
	resp, err := a.Client.Do(req)
	if err != nil {
		return Output{Unknown: true, Error: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Output{Status: resp.StatusCode, Unknown: true, Error: err.Error()}
	}
	return answer(in.Kind, resp, raw)
}

func (a *API) route(in Input) (method, path, token string) {
	p := "/profiles/" + a.ProfileID(in.Slot)
	c := p + "/contacts/" + in.ContactID
	switch in.Kind {
	case GetProfile:
		return http.MethodGet, p, a.AdminToken
	case PatchProfile:
		if in.Put {
			return http.MethodPut, p, a.AdminToken
		}
		return http.MethodPatch, p, a.AdminToken
	case DeleteProfile:
		return http.MethodDelete, p, a.AdminToken
	case AddContact:
		return http.MethodPost, p + "/contacts", a.AdminToken
	case UpdateContact:
		return http.MethodPatch, c, a.AdminToken
	case RemoveContact:
		return http.MethodDelete, c, a.AdminToken
	case GetContact:
		return http.MethodGet, c, a.AdminToken
	case UpdateUser:
		return http.MethodPost, "/api/me/profile/update", a.UserTokens[in.Slot]
	case GetUser:
		return http.MethodGet, "/api/me/profile", a.UserTokens[in.Slot]
	}
	panic(fmt.Sprintf("unknown kind %d", in.Kind))
}

// answer reads a response: a 503 outcome-unknown or another 5xx may have
// landed; a plain 503 did not (docs/api.md, "Errors").
func answer(kind Kind, resp *http.Response, raw []byte) Output {
	out := Output{Status: resp.StatusCode}
	if tag := resp.Header.Get("ETag"); len(tag) > 2 {
		out.ETag, _ = strconv.ParseInt(strings.Trim(tag, `"`), 10, 64)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		var p struct{ Type string }
		_ = json.Unmarshal(raw, &p)
		out.Problem = p.Type
	}
	switch {
	case out.Status == http.StatusServiceUnavailable && strings.HasSuffix(out.Problem, "/outcome-unknown"):
		out.Unknown = true
		return out
	case out.Status == http.StatusServiceUnavailable:
		out.Refused = true
		return out
	case out.Status >= 500:
		out.Unknown, out.Error = true, strings.TrimSpace(string(raw))
		return out
	case out.Status >= 300 || len(raw) == 0:
		return out
	}
	var err error
	switch kind {
	case GetProfile, PatchProfile:
		out.Profile = &views.Profile{}
		err = json.Unmarshal(raw, out.Profile)
	case AddContact, UpdateContact, GetContact:
		out.Contact = &views.Contact{}
		err = json.Unmarshal(raw, out.Contact)
	case UpdateUser, GetUser:
		out.User = &views.User{}
		err = json.Unmarshal(raw, out.User)
	}
	if err != nil {
		// An answer that cannot be read holds nothing the model can use.
		out.Profile, out.Contact, out.User = nil, nil, nil
		out.Error = "unreadable body: " + err.Error()
	}
	return out
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
