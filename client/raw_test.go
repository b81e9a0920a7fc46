package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/profiles-service/profiles/client"
)

// TestRawSendsWhatItIsGiven: Raw sends the body byte for byte, the
// credential of the route the path names, Content-Type only with a body,
// and the headers it is given in place of its own: repeated, replaced or
// removed.
func TestRawSendsWhatItIsGiven(t *testing.T) {
	t.Parallel()
	type seen struct {
		Method, URI string
		Header      http.Header
		Body        string
	}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("apigw-requestid", "echo-1")
		_ = json.NewEncoder(w).Encode(seen{r.Method, r.RequestURI, r.Header, string(b)})
	}))
	t.Cleanup(echo.Close)
	c := client.New(echo.URL, client.WithBearerToken("admin-token"), client.WithUserToken("user-token"), client.WithAPIKey("the-key"))
	for _, tc := range []struct {
		name, method, path string
		header             http.Header
		body               []byte
		want               map[string][]string // "" for a header that must be absent
		wantBody           string
	}{
		{name: "malformed JSON to an admin route", method: "POST", path: "/profiles?x=%00", body: []byte(`{"firstName":`),
			want: map[string][]string{"Authorization": {"Bearer admin-token"}, "Content-Type": {"application/json"}, "X-Api-Key": {""}}, wantBody: `{"firstName":`},
		{name: "user route", method: "POST", path: "/api/me/profile/update", body: []byte(`{}`),
			want: map[string][]string{"Authorization": {"Bearer user-token"}}, wantBody: `{}`},
		{name: "partner route", method: "GET", path: "/api/users/u-1/profile",
			want: map[string][]string{"X-Api-Key": {"the-key"}, "Authorization": {""}, "Content-Type": {""}}},
		{name: "repeated and replaced headers", method: "POST", path: "/profiles", body: []byte("a=b"),
			header: http.Header{"idempotency-key": {"k", "1"}, "Content-Type": {"text/plain"}},
			want:   map[string][]string{"Idempotency-Key": {"k", "1"}, "Content-Type": {"text/plain"}}, wantBody: "a=b"},
		{name: "no credential", method: "GET", path: "/profiles", header: http.Header{"Authorization": nil},
			want: map[string][]string{"Authorization": {""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := c.Raw(context.Background(), tc.method, tc.path, tc.header, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			var s seen
			if err := json.Unmarshal(r.Body, &s); err != nil {
				t.Fatal(err)
			}
			if s.Method != tc.method || s.URI != tc.path || s.Body != tc.wantBody || r.Err() != nil || r.RequestID() != "echo-1" {
				t.Errorf("sent %s %s %q (answer err %v, request id %q), want %s %s %q", s.Method, s.URI, s.Body, r.Err(), r.RequestID(), tc.method, tc.path, tc.wantBody)
			}
			for name, want := range tc.want {
				got := s.Header[name]
				if want[0] == "" {
					if len(got) != 0 {
						t.Errorf("%s: %q, want none", name, got)
					}
				} else if !slices.Equal(got, want) {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
		})
	}
}

// TestRawAnswersAreReadAsTheTypedMethodsRead: a non-2xx answer to Raw is,
// through Err, the *Error a typed method returns for it; a 2xx one is no
// error.
func TestRawAnswersAreReadAsTheTypedMethodsRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t)
	r, err := c.Raw(ctx, "POST", "/profiles", nil, []byte(`{"firstName": 7}`))
	if err != nil {
		t.Fatal(err)
	}
	var e *client.Error
	if !errors.As(r.Err(), &e) || e.Status != 400 || e.Type != client.ProblemValidation || len(e.Errors) != 1 ||
		e.Errors[0].Field != "firstName" || e.Method != "POST" || e.Path != "/profiles" || e.RequestID == "" || e.RequestID != r.RequestID() {
		t.Errorf("Err() = %#v, want the 400 validation problem naming firstName, with its request id", r.Err())
	}
	r, err = c.Raw(ctx, "POST", "/profiles", nil, []byte(`{"firstName":"Raw"}`))
	if err != nil || r.Status != 201 || r.Err() != nil || r.Header.Get("ETag") == "" {
		t.Fatalf("a valid create: %+v, %v", r, err)
	}
	r, err = c.Raw(ctx, "GET", "/profiles/nobody", http.Header{"Authorization": nil}, nil)
	if err != nil || r.Status != 401 || !errors.As(r.Err(), &e) || e.Detail != "Unauthorized" {
		t.Errorf("without a credential: %+v, %v", r, err)
	}
	if _, err := client.New("http://127.0.0.1:1").Raw(ctx, "GET", "/profiles", nil, nil); !errors.As(err, new(*client.NetworkError)) {
		t.Errorf("no server: %v, want a *NetworkError", err)
	}
}
