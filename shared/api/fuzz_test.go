package api

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

func TestDuplicateKey(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1,"a":2}`:                     "a",
		`{"a":{"b":1,"b":2}}`:               "b",
		`{"a":[{"b":1},{"b":2}]}`:           "",
		`{"a":1,"b":{"a":2}}`:               "",
		`{"c":[1,2,{"x":[{"y":1,"y":1}]}]}`: "y",
		`{"a":{},"a":[]}`:                   "a",
		`{"a":[[],{}],"b":1}`:               "",
		`{"firstName":"a","firstName":"b"}`: "firstName",
	} {
		got, ok := duplicateKey([]byte(in))
		if got != want || ok != (want != "") {
			t.Errorf("%s: got %q %v, want %q", in, got, ok, want)
		}
	}
	if err := decodeBytes([]byte(`{"firstName":"a","firstName":"b"}`), &profileBody{}); !isRequestError(err, "firstName") {
		t.Errorf("duplicate key decoded: %v", err)
	}
}

func isRequestError(err error, field string) bool {
	var re *requestError
	return errors.As(err, &re) && re.field == field && re.status >= 400 && re.status < 500
}

// FuzzProfileBody: any body either decodes into a valid profile that
// encodes back to JSON, or is refused with a 4xx naming a field; never a
// panic.
func FuzzProfileBody(f *testing.F) {
	for _, s := range []string{
		`{"contacts":[{"key":"email","value":"client@email.com","uuid":null},{"key":"phone","value":"+9876543210","uuid":null}],"countryNumericCode":"840","enabled":true,"firstName":"Mary","middleName":"Jane","lastName":"Smith","uuid":null}`,
		`{"firstName":null,"tags":["a","a"],"uuid":""}`,
		`{"contacts":[{"key":"phone","value":"0064 27-111.2222"}]}`,
		`{"firstName":"a","firstName":"b"}`,
		`{"contacts":[{"key":"email","value":"a@b.co","extra":1}]}`,
		"{\"firstName\":\"\xff\"}",
		`[[[[[[[[[[[]]]]]]]]]]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b profileBody
		if err := decodeBytes(body, &b); err != nil {
			if !isRequestError(err, errorField(err)) {
				t.Fatalf("decode error is not a 4xx request error: %v", err)
			}
			return
		}
		in := profile.Input{Changes: b.changes()}
		for i := range b.Contacts.Value {
			in.Contacts = append(in.Contacts, b.Contacts.Value[i].changes())
		}
		p, err := profile.New(in, profile.Now())
		var ve *profile.ValidationError
		if err != nil {
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("New: %v", err)
			}
			return
		}
		if _, err := json.Marshal(views.ProfileOf(p)); err != nil {
			t.Fatalf("encode: %v", err)
		}
		if update := b.changes(); !update.Empty() {
			if err := p.Update(update, profile.Now()); err != nil && !errors.As(err, &ve) {
				t.Fatalf("Update: %v", err)
			}
		}
	})
}

func errorField(err error) string {
	var re *requestError
	if errors.As(err, &re) {
		return re.field
	}
	return ""
}

// FuzzListQuery: any query string parses to a bounded page or a 400 naming
// a parameter.
func FuzzListQuery(f *testing.F) {
	codec := cursorCodec{key: []byte("fuzz-key")}
	for _, s := range []string{
		"limit=10&offset=0&sort_by=createTime&sort_order=desc&filter[enabled]=1&filter[firstName]=Westley&filter[lastName]=Daniel&filter[middleName]=Ivanov&filter[name]=Westley%20Daniel%20Ivanov&filter[uuid]=9",
		"limit=0", "offset=99999999999999999999", "sort_by=name&sort_order=DESC", "filter[name]=a%20OR%201%3D1",
		"filter[lastName]=%23PK%20%3C%3E%20%3Av", "cursor=abc.def&limit=5", "filter[=x", "filter]=1", "%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // the HTTP server would not hand such a query to the handler intact
		}
		lr, err := parseList(profileListing, nil, q, codec)
		if err == nil {
			_, err = profileFilter(lr.filters)
		}
		if err != nil {
			if !isRequestError(err, errorField(err)) || errorField(err) == "" {
				t.Fatalf("%q: %v is not a 400 naming a parameter", raw, err)
			}
			return
		}
		pg := lr.page
		if pg.Limit < 1 || pg.Limit > profile.MaxLimit || pg.Offset < 0 || pg.Offset > profile.MaxOffset {
			t.Fatalf("%q: page out of bounds %+v", raw, pg)
		}
		_ = lr.nextLink("/profiles", codec, "k")
	})
}

// FuzzCursor: only cursors this codec signed for this scope decode, and
// they decode to the position signed.
func FuzzCursor(f *testing.F) {
	codec := cursorCodec{key: []byte("fuzz-key")}
	scope := func(filter string) cursorScope {
		return cursorScope{listing: "profiles", sortBy: "firstName", filters: map[string]string{"firstName": filter}}
	}
	f.Add(codec.encode(scope("x"), "2021-01-01T00:00:00+00:00\x016006dda272f002519c3eb505"), "x", "x")
	f.Add("e30.AAAAAAAAAAAAAAAAAAAAAA", "", "")
	f.Add("..", "a", "b")
	f.Fuzz(func(t *testing.T, cursor, filter, after string) {
		if got, ok := codec.decode(scope(filter), cursor); ok {
			// base64 ignores a last character's unused bits, so another
			// spelling of the same bytes may decode: it must mean the same.
			if again, ok2 := codec.decode(scope(filter), codec.encode(scope(filter), got)); !ok2 || again != got {
				t.Fatalf("a decoded cursor does not round-trip: %q", cursor)
			}
		}
		c := codec.encode(scope(filter), after)
		if got, ok := codec.decode(scope(filter), c); !ok || got != after {
			t.Fatalf("round trip of %q gave %q %v", after, got, ok)
		}
		if _, ok := (cursorCodec{key: []byte("other-key")}).decode(scope(filter), c); ok {
			t.Fatalf("a cursor signed with another key decoded")
		}
		if _, ok := codec.decode(scope(filter+"x"), c); ok {
			t.Fatalf("a cursor decoded for another filter value")
		}
	})
}
