package api

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/profiles-service/profiles/local/eventschema"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// TestEventSchemaNamesTheAPIFields: the fields an event's changedFields may
// name are the Profile object's, in its order, then the two of the user
// view it lacks; and the schema compiles with openapi.yaml's schemas.
func TestEventSchemaNamesTheAPIFields(t *testing.T) {
	raw, err := os.ReadFile("events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs struct {
			FieldName struct {
				Enum []string `json:"enum"`
			} `json:"FieldName"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	profileKeys := jsonNames(views.Profile{})
	want := append(slices.Clone(profileKeys), "featureUpdates", "marketingUpdates")
	if got := schema.Defs.FieldName.Enum; !slices.Equal(got, want) {
		t.Errorf("events.schema.json names the fields %v, want %v", got, want)
	}
	doc := loadOpenAPI(t)
	required := slices.Clone(doc.Components.Schemas["Profile"].Value.Required)
	slices.Sort(required)
	sorted := slices.Sorted(slices.Values(profileKeys))
	if !slices.Equal(required, sorted) {
		t.Errorf("openapi.yaml's Profile requires %v, the Profile object has %v", required, sorted)
	}
	if err := eventschema.Validate([]byte(validEvents(t)["deleted"])); err != nil {
		t.Errorf("a valid Profile Deleted: %v", err)
	}
	if err := eventschema.Validate([]byte(`{"id": "x", "detail-type": "Profile Renamed"}`)); err == nil {
		t.Error("the schema takes an event that is none")
	}
}

// jsonNames are the names of the JSON object v encodes to, in order: its
// fields' json tags (views' tests hold them to the reference).
func jsonNames(v any) []string {
	var names []string
	for f := range reflect.TypeOf(v).Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// validEvents are one valid event of each type, carrying the profile's
// views as the API writes them. A Profile Updated of a profile linked to a
// user carries both views, so each is valid on its own and only the
// event's type decides whether it may be there.
func validEvents(t *testing.T) map[string]string {
	t.Helper()
	t0 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &profile.Profile{
		ID: "6006dda272f002519c3eb505", FirstName: "Mary", MiddleName: "Jane", LastName: "Smith",
		CountryCode: "840", Enabled: true, Tags: []string{"blue", "green"}, CreateTime: t0, UpdateTime: t0,
		Contacts: []profile.Contact{{ID: "6006dda272f002519c3eb505", Key: "email", Value: "marysmith@email.com", CreateTime: t0, UpdateTime: t0}},
	}
	profileJSON, err := json.Marshal(views.ProfileOf(p))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"deleted": `{"id": "3c0b6e51-9f2d-5a87-b14e-0d6a52c97f13", "source": "profiles", "detail-type": "Profile Deleted",
		"time": "2025-03-01T10:00:00Z", "detail": {"eventId": "3c0b6e51-9f2d-5a87-b14e-0d6a52c97f13",
		"profileId": "6006dda272f002519c3eb505", "version": 4, "changedFields": ["profileId"], "occurredAt": "2025-03-01T10:00:00+00:00"}}`,
		"erased": `{"id": "5a0b6e51-9f2d-5a87-b14e-0d6a52c97f14", "source": "profiles", "detail-type": "Profile Erased",
		"time": "2025-03-01T10:00:00Z", "detail": {"eventId": "5a0b6e51-9f2d-5a87-b14e-0d6a52c97f14",
		"profileId": "6006dda272f002519c3eb505", "version": 5, "userId": "auth0|6006dda272f002519c3eb505", "reason": "request",
		"occurredAt": "2025-03-01T10:00:00+00:00"}}`,
		"created": `{"id": "8d1f3a2e-4b5c-5d6e-9f70-8a9b0c1d2e3f", "source": "profiles", "detail-type": "Profile Created",
		"time": "2021-01-01T00:00:00Z", "detail": {"eventId": "8d1f3a2e-4b5c-5d6e-9f70-8a9b0c1d2e3f",
		"profileId": "6006dda272f002519c3eb505", "version": 1, "changedFields": ["profileId", "contacts", "firstName"],
		"profile": ` + string(profileJSON) + `, "occurredAt": "2021-01-01T00:00:00+00:00"}}`,
		"updated": `{"id": "0f9e8d7c-6b5a-5948-8372-6150a4b3c2d1", "source": "profiles", "detail-type": "Profile Updated",
		"time": "2021-01-01T00:00:00Z", "detail": {"eventId": "0f9e8d7c-6b5a-5948-8372-6150a4b3c2d1",
		"profileId": "6006dda272f002519c3eb505", "version": 3, "changedFields": ["firstName", "name", "featureUpdates"],
		"profile": ` + string(profileJSON) + `, "userProfile": {"userId": "auth0|6006dda272f002519c3eb505", "givenName": "Mary",
		"familyName": "Smith", "featureUpdates": true, "marketingUpdates": false, "email": "marysmith@email.com",
		"emailVerified": true, "phoneNumber": null, "phoneVerified": false}, "occurredAt": "2021-01-01T00:00:00+00:00"}}`,
	}
}

// decodeEvent is the JSON object raw, which the test wrote.
func decodeEvent(t *testing.T, raw string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return v
}

// TestEventSchemaRejectsEachBrokenConstraint: the schema takes a valid event
// of each type, and rejects each event that breaks one of its constraints,
// made from a valid one by that one change; the validator names that
// constraint, and only it, as the reason.
func TestEventSchemaRejectsEachBrokenConstraint(t *testing.T) {
	t.Parallel()
	valid := validEvents(t)
	for name, ev := range valid {
		if err := eventschema.Validate([]byte(ev)); err != nil {
			t.Errorf("the valid %s event: %v", name, err)
		}
	}
	const detail = "/properties/detail/$ref"
	updated, ok := decodeEvent(t, valid["updated"])["detail"].(map[string]any)
	if !ok || updated["profile"] == nil || updated["userProfile"] == nil {
		t.Fatalf("the valid updated event carries no profile and userProfile: %s", valid["updated"])
	}
	tests := []struct {
		name   string
		from   string                     // the valid event the case changes
		change func(ev, d map[string]any) // ev is the event, d its detail
		reason string                     // the keyword location of the one constraint broken
	}{
		{"unknown detail-type", "updated", func(ev, _ map[string]any) { ev["detail-type"] = "Profile Renamed" }, "/properties/detail-type/enum"},
		{"a Profile Deleted carrying profile", "deleted", func(_, d map[string]any) { d["profile"] = updated["profile"] }, "/allOf/0/then/properties/detail"},
		{"a Profile Deleted carrying userProfile", "deleted", func(_, d map[string]any) {
			d["userProfile"] = updated["userProfile"]
		}, "/allOf/0/then/properties/detail"},
		{"a Profile Updated without profile", "updated", func(_, d map[string]any) { delete(d, "profile") }, "/allOf/0/else/properties/detail/required"},
		{"a Profile Created without profile", "created", func(_, d map[string]any) { delete(d, "profile") }, "/allOf/0/else/properties/detail/required"},
		{"an unknown name in changedFields", "updated", func(_, d map[string]any) {
			d["changedFields"] = []string{"firstName", "nickname"}
		}, detail + "/properties/changedFields/items/$ref/enum"},
		{"no changedFields", "deleted", func(_, d map[string]any) { d["changedFields"] = []string{} }, detail + "/properties/changedFields/minItems"},
		{"a name twice in changedFields", "updated", func(_, d map[string]any) {
			d["changedFields"] = []string{"firstName", "name", "firstName"}
		}, detail + "/properties/changedFields/uniqueItems"},
		{"no eventId", "deleted", func(_, d map[string]any) { delete(d, "eventId") }, detail + "/required"},
		{"an eventId that is no UUID", "deleted", func(_, d map[string]any) { d["eventId"] = "3C0B6E51-9F2D-5A87-B14E-0D6A52C97F13" }, detail + "/properties/eventId/$ref/pattern"},
		{"no profileId", "updated", func(_, d map[string]any) { delete(d, "profileId") }, detail + "/required"},
		{"a profileId that is no id", "deleted", func(_, d map[string]any) { d["profileId"] = "6006DDA272F002519C3EB505" }, detail + "/properties/profileId/$ref/pattern"},
		{"version 0", "deleted", func(_, d map[string]any) { d["version"] = 0 }, detail + "/properties/version/minimum"},
		{"a version that is no integer", "deleted", func(_, d map[string]any) { d["version"] = 4.5 }, detail + "/properties/version/type"},
		{"no occurredAt", "deleted", func(_, d map[string]any) { delete(d, "occurredAt") }, detail + "/required"},
		{"an occurredAt not in the API's format", "deleted", func(_, d map[string]any) { d["occurredAt"] = "2025-03-01T10:00:00Z" }, detail + "/properties/occurredAt/$ref/pattern"},
		{"an unknown detail field", "deleted", func(_, d map[string]any) { d["nickname"] = "Mary" }, detail + "/additionalProperties"},
		{"a Profile Deleted without changedFields", "deleted", func(_, d map[string]any) { delete(d, "changedFields") }, "/allOf/1/else/properties/detail/required"},
		{"a Profile Deleted with a reason", "deleted", func(_, d map[string]any) { d["reason"] = "delete" }, "/allOf/1/else/properties/detail"},
		{"a Profile Updated with a userId", "updated", func(_, d map[string]any) { d["userId"] = "u" }, "/allOf/1/else/properties/detail"},
		{"a Profile Erased carrying profile", "erased", func(_, d map[string]any) { d["profile"] = updated["profile"] }, "/allOf/0/then/properties/detail"},
		{"a Profile Erased carrying userProfile", "erased", func(_, d map[string]any) {
			d["userProfile"] = updated["userProfile"]
		}, "/allOf/0/then/properties/detail"},
		{"a Profile Erased without reason", "erased", func(_, d map[string]any) { delete(d, "reason") }, "/allOf/1/then/properties/detail/required"},
		{"a Profile Erased with changedFields", "erased", func(_, d map[string]any) { d["changedFields"] = []string{"profileId"} }, "/allOf/1/then/properties/detail"},
		{"an unknown reason", "erased", func(_, d map[string]any) { d["reason"] = "gdpr" }, detail + "/properties/reason/enum"},
		{"an empty userId", "erased", func(_, d map[string]any) { d["userId"] = "" }, detail + "/properties/userId/minLength"},
		{"no detail", "deleted", func(ev, _ map[string]any) { delete(ev, "detail") }, "/required"},
		{"no id", "deleted", func(ev, _ map[string]any) { delete(ev, "id") }, "/required"},
		{"an id that is no UUID", "deleted", func(ev, _ map[string]any) { ev["id"] = "x" }, "/properties/id/$ref/pattern"},
		{"an empty source", "updated", func(ev, _ map[string]any) { ev["source"] = "" }, "/properties/source/minLength"},
		{"a time that is no date-time", "updated", func(ev, _ map[string]any) { ev["time"] = "2021-01-01 00:00:00" }, "/properties/time/format"},
		{"an unknown envelope field", "updated", func(ev, _ map[string]any) { ev["traceId"] = "abc" }, "/additionalProperties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := decodeEvent(t, valid[tt.from])
			d, ok := ev["detail"].(map[string]any)
			if !ok {
				t.Fatalf("the valid %s event has no detail object", tt.from)
			}
			tt.change(ev, d)
			raw, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			err = eventschema.Validate(raw)
			if err == nil {
				t.Fatalf("the schema takes %s", raw)
			}
			if got := brokenConstraints(t, err); !slices.Equal(got, []string{tt.reason}) {
				t.Errorf("rejected for %q, want only %q: %v", got, tt.reason, err)
			}
		})
	}
}

// brokenConstraints are the keyword locations of the constraints a
// validation error names: those of its basic output's units that no other
// unit lies under (a unit that only says a $ref or an if/then failed,
// because a constraint inside it did, is not one).
func brokenConstraints(t *testing.T, err error) []string {
	t.Helper()
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *jsonschema.ValidationError", err, err)
	}
	var locs []string
	for _, u := range ve.BasicOutput().Errors {
		if !u.Valid {
			locs = append(locs, u.KeywordLocation)
		}
	}
	var leaves []string
	for _, l := range locs {
		if !slices.ContainsFunc(locs, func(o string) bool { return strings.HasPrefix(o, l+"/") }) {
			leaves = append(leaves, l)
		}
	}
	slices.Sort(leaves)
	return slices.Compact(leaves)
}
