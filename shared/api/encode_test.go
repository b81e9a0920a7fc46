package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestDecodeBytesRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		field string // "" means any field containing "key"
	}{
		{"unknown field", `{"firstName":"Mary","nope":1}`, "nope"},
		{"unknown field first", `{"favouriteColour":"blue"}`, "favouriteColour"},
		{"string as number", `{"firstName": 5}`, "firstName"},
		{"bool as string", `{"enabled": "yes"}`, "enabled"},
		{"array as string", `{"tags": "blue"}`, "tags"},
		{"array of numbers", `{"tags": [1]}`, "tags"},
		{"contacts as object", `{"contacts": {}}`, "contacts"},
		{"contact key as number", `{"contacts":[{"key":5}]}`, ""},
		{"invalid UTF-8", "{\"firstName\":\"Ma\xffry\"}", "body"},
		{"trailing object", `{"firstName":"a"} {}`, "body"},
		{"trailing garbage", `{"firstName":"a"} x`, "body"},
		{"empty", ``, "body"},
		{"whitespace", " \n\t", "body"},
		{"array", `[]`, "body"},
		{"array of objects", `[{"firstName":"a"}]`, "body"},
		{"null", `null`, "body"},
		{"string", `"a"`, "body"},
		{"number", `5`, "body"},
		{"ends early", `{"firstName":`, "body"},
		{"syntax", `{"firstName" "a"}`, "body"},
		{"single quotes", `{'firstName':'a'}`, "body"},
	}
	for _, tt := range tests {
		var v profileBody
		err := decodeBytes([]byte(tt.body), &v)
		if err == nil {
			t.Errorf("%s: decodeBytes(%q) = nil, want an error", tt.name, tt.body)
			continue
		}
		got := requestField(t, err, http.StatusBadRequest)
		if tt.field == "" {
			if !strings.Contains(got, "key") {
				t.Errorf("%s: error field = %q, want one naming key", tt.name, got)
			}
		} else if got != tt.field {
			t.Errorf("%s: error field = %q, want %q (%v)", tt.name, got, tt.field, err)
		}
	}
}

func TestDecodeBodySize(t *testing.T) {
	t.Parallel()
	object := func(n int) string { // a JSON object of exactly n bytes
		return `{"firstName":"` + strings.Repeat("a", n-len(`{"firstName":""}`)) + `"}`
	}
	tests := []struct {
		name   string
		body   string
		status int // 0 means accepted
	}{
		{"at the limit", object(maxBody), 0},
		{"one byte over", object(maxBody + 1), http.StatusRequestEntityTooLarge},
		{"far over", object(3 * maxBody), http.StatusRequestEntityTooLarge},
		{"empty", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		var v profileBody
		err := decode(httptest.NewRequest(http.MethodPost, "/profiles", strings.NewReader(tt.body)), &v)
		if tt.status == 0 {
			if err != nil {
				t.Errorf("%s: decode: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: decode accepted %d bytes", tt.name, len(tt.body))
			continue
		}
		if got := requestField(t, err, tt.status); got != "body" {
			t.Errorf("%s: field = %q, want body", tt.name, got)
		}
	}
}

func TestDecodeBytesRejectsUnknownContactField(t *testing.T) {
	t.Parallel()
	var c contactBody
	err := decodeBytes([]byte(`{"key":"email","value":"a@b.com","vaule":"x"}`), &c)
	if err == nil {
		t.Fatal("unknown contact field accepted")
	}
	if got := requestField(t, err, http.StatusBadRequest); got != "vaule" {
		t.Errorf("field = %q, want vaule", got)
	}
}

func TestDecodeBytesRejectsUnknownNestedContactField(t *testing.T) {
	t.Parallel()
	var v profileBody
	err := decodeBytes([]byte(`{"contacts":[{"key":"email","value":"a@b.com","uid":"x"}]}`), &v)
	if err == nil {
		t.Fatal(`decodeBytes accepted the unknown field "uid" inside contacts[0]`)
	}
	if got := requestField(t, err, http.StatusBadRequest); !strings.Contains(got, "uid") {
		t.Errorf("field = %q, want one naming uid", got)
	}
}

func TestDecodeBytesAccepts(t *testing.T) {
	t.Parallel()
	body := `  {
	  "profileId": "6006dda272f002519c3eb505", "name": "ignored", "country": {"countryName": "x"},
	  "createTime": "2021-01-01T00:00:00+00:00", "updateTime": "2021-01-01T00:00:00+00:00",
	  "contacts": [{"key": "email", "value": "client@email.com", "uuid": null}],
	  "countryNumericCode": "840", "enabled": false, "firstName": "Mary", "middleName": null,
	  "tags": ["blue"], "uuid": null
	}` + "\n"
	var v profileBody
	if err := decodeBytes([]byte(body), &v); err != nil {
		t.Fatalf("decodeBytes: %v", err)
	}
	c := v.changes()
	switch {
	case !c.FirstName.Set || c.FirstName.Value != "Mary":
		t.Errorf("FirstName = %+v", c.FirstName)
	case !c.MiddleName.Set || !c.MiddleName.Null:
		t.Errorf("MiddleName = %+v, want null", c.MiddleName)
	case c.LastName.Set:
		t.Errorf("LastName = %+v, want absent", c.LastName)
	case !c.Enabled.Set || c.Enabled.Value:
		t.Errorf("Enabled = %+v, want false", c.Enabled)
	case !c.UUID.Null || c.CountryCode.Value != "840" || !slices.Equal(c.Tags.Value, []string{"blue"}):
		t.Errorf("changes = %+v", c)
	case len(v.Contacts.Value) != 1 || v.Contacts.Value[0].Key.Value != "email" || !v.Contacts.Value[0].UUID.Null:
		t.Errorf("contacts = %+v", v.Contacts)
	}
}
