package api

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/profiles-service/profiles/local/eventschema"
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
	want := append(slices.Clone(referenceProfileKeys), "featureUpdates", "marketingUpdates")
	if got := schema.Defs.FieldName.Enum; !slices.Equal(got, want) {
		t.Errorf("events.schema.json names the fields %v, want %v", got, want)
	}
	doc := loadOpenAPI(t)
	required := slices.Clone(doc.Components.Schemas["Profile"].Value.Required)
	slices.Sort(required)
	sorted := slices.Sorted(slices.Values(referenceProfileKeys))
	if !slices.Equal(required, sorted) {
		t.Errorf("openapi.yaml's Profile requires %v, the Profile object has %v", required, sorted)
	}
	deleted := `{"id": "3c0b6e51-9f2d-5a87-b14e-0d6a52c97f13", "source": "profiles", "detail-type": "Profile Deleted",
		"time": "2025-03-01T10:00:00Z", "detail": {"eventId": "3c0b6e51-9f2d-5a87-b14e-0d6a52c97f13",
		"profileId": "6006dda272f002519c3eb505", "version": 4, "changedFields": ["profileId"], "occurredAt": "2025-03-01T10:00:00+00:00"}}`
	if err := eventschema.Validate([]byte(deleted)); err != nil {
		t.Errorf("a valid Profile Deleted: %v", err)
	}
	if err := eventschema.Validate([]byte(`{"id": "x", "detail-type": "Profile Renamed"}`)); err == nil {
		t.Error("the schema takes an event that is none")
	}
}
