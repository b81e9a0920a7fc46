package profileevents_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/local/eventschema"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/profileevents"
	"github.com/profiles-service/profiles/shared/views"
)

func set[T any](v T) profile.Field[T] { return profile.Field[T]{Set: true, Value: v} }

// everyField is what a create or a delete of a profile linked to a user changes.
var everyField = []string{"profileId", "contacts", "countryNumericCode", "country", "enabled", "firstName", "middleName",
	"lastName", "name", "tags", "createTime", "updateTime", "uuid", "featureUpdates", "marketingUpdates"}

// lifeOfAProfile writes a user's profile through its life, and returns the
// profile after each write that changes what the API shows.
func lifeOfAProfile(t *testing.T) ([]events.DynamoDBEventRecord, []*profile.Profile) {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	var shown []*profile.Profile
	records := capture(t, func(ctx context.Context, store *dynamo.Store) {
		must := func(p *profile.Profile, err error) *profile.Profile {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := must(profile.NewForUser("user-1", profile.UserChanges{GivenName: set("Mary"), Email: set("mary@example.com")}, t0))
		must(p, store.Create(ctx, p, nil))
		shown = append(shown, p)
		update := func(change func(*profile.Profile) error) *profile.Profile {
			return must(store.Update(ctx, p.ID, profile.Precondition{}, change, nil))
		}
		shown = append(shown, update(func(p *profile.Profile) error {
			return p.Update(profile.Changes{FirstName: set("Maria")}, t0.Add(time.Minute))
		}))
		update(func(*profile.Profile) error { return nil }) // the version moves, nothing the API shows
		shown = append(shown, update(func(p *profile.Profile) error {
			_, err := p.AddContact(profile.ContactChanges{Key: set("phone"), Value: set("+64271112222")}, t0.Add(2*time.Minute))
			return err
		}))
		shown = append(shown, update(func(p *profile.Profile) error {
			return p.ApplyUser(profile.UserChanges{MarketingUpdates: set(true)}, t0.Add(3*time.Minute))
		}))
		// The last change also takes an Idempotency-Key, in its transaction.
		once := &idempotency.Record{Key: "key-1", RequestHash: "h", Status: 200, Kind: idempotency.KindProfile, ProfileID: p.ID, Expires: t0.Add(time.Hour)}
		shown = append(shown, must(store.Update(ctx, p.ID, profile.Precondition{}, func(p *profile.Profile) error {
			return p.Update(profile.Changes{Tags: set([]string{"vip"}), UUID: set("crm-7")}, t0.Add(4*time.Minute))
		}, once)))
		if err := store.PutAPIKey(ctx, auth.APIKey{Hash: auth.HashAPIKey("pk_events-test-key"), Name: "partner", CreateTime: t0}); err != nil {
			t.Fatal(err)
		}
		if err := store.Erase(ctx, p.ID, profile.Precondition{}, profile.ErasedByDelete); err != nil {
			t.Fatal(err)
		}
	})
	return records, shown
}

// TestEventsOfAProfilesLife: of every record a profile's life writes to the
// stream (its item, its contacts' items, its markers, and other items),
// exactly one event comes of each change the API shows, with its fields.
func TestEventsOfAProfilesLife(t *testing.T) {
	t.Parallel()
	records, shown := lifeOfAProfile(t)
	got, failed := publish(t, records)
	if len(failed) != 0 {
		t.Fatalf("reported %v", failed)
	}
	want := []struct {
		detailType string
		changed    []string
	}{
		{"Profile Created", everyField},
		{"Profile Updated", []string{"firstName", "name", "updateTime"}},
		{"Profile Updated", []string{"contacts"}},
		{"Profile Updated", []string{"updateTime", "marketingUpdates"}},
		{"Profile Updated", []string{"tags", "updateTime", "uuid"}},
		{"Profile Erased", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events from %d records, want %d: %+v", len(got), len(records), len(want), got)
	}
	ids := map[string]bool{}
	for i, ev := range got {
		w := want[i]
		d := ev.Detail
		if ev.DetailType != w.detailType || !slices.Equal(d.ChangedFields, w.changed) {
			t.Errorf("event %d: %s %v, want %s %v", i, ev.DetailType, d.ChangedFields, w.detailType, w.changed)
		}
		if ev.Source != "profiles" || ev.ID != d.EventID || ids[ev.ID] || d.ProfileID != shown[0].ID {
			t.Errorf("event %d: source %q, id %s, eventId %s, profileId %s", i, ev.Source, ev.ID, d.EventID, d.ProfileID)
		}
		ids[ev.ID] = true
		if ev.Time.IsZero() || d.OccurredAt != profile.FormatTime(ev.Time) {
			t.Errorf("event %d: time %v, occurredAt %s", i, ev.Time, d.OccurredAt)
		}
		if ev.DetailType == "Profile Erased" {
			if d.Profile != nil || d.UserProfile != nil || d.Version != shown[len(shown)-1].Version+1 ||
				d.UserID != "user-1" || d.Reason != "delete" {
				t.Errorf("erasure: version %d, userId %q, reason %q, profile %s, userProfile %s", d.Version, d.UserID, d.Reason, d.Profile, d.UserProfile)
			}
			requireNoPersonalData(t, ev, personalValues)
		} else {
			p := shown[i]
			wantProfile, _ := json.Marshal(views.ProfileOf(p))
			wantUser, _ := json.Marshal(views.UserOf(p))
			if d.Version != p.Version || string(d.Profile) != string(wantProfile) || string(d.UserProfile) != string(wantUser) {
				t.Errorf("event %d: version %d, profile\n%s\nuserProfile %s\nwant version %d, profile\n%s\nuserProfile %s",
					i, d.Version, d.Profile, d.UserProfile, p.Version, wantProfile, wantUser)
			}
		}
		line, _ := json.Marshal(ev)
		eventschema.Check(t, line)
	}
}

// personalValues are the values of lifeOfAProfile's profile other than
// its id and user id, which an erasure's event must not carry.
var personalValues = []string{"Mary", "Maria", "mary@example.com", "+64271112222", "crm-7", "vip"}

// requireNoPersonalData fails when the event, as published, holds any of values.
func requireNoPersonalData(t *testing.T, ev profileevents.Event, values []string) {
	t.Helper()
	line, _ := json.Marshal(ev)
	for _, v := range values {
		if strings.Contains(strings.ToLower(string(line)), strings.ToLower(v)) {
			t.Errorf("%s carries %q: %s", ev.DetailType, v, line)
		}
	}
}

// TestRemovalWithoutAnErasureIsProfileDeleted: a profile item removed
// without the erasure's mark (by a version before erasures, mid-deploy)
// is a Profile Deleted, which carries no personal data either: no profile,
// no user view, no user id, the changed fields' names only.
func TestRemovalWithoutAnErasureIsProfileDeleted(t *testing.T) {
	t.Parallel()
	records, _ := lifeOfAProfile(t)
	var removal events.DynamoDBEventRecord
	for _, r := range records {
		if r.EventName == "REMOVE" && r.Change.OldImage["SK"].String() == "PROFILE" {
			removal = r
		}
	}
	if removal.Change.OldImage["erasure"].String() != "delete" {
		t.Fatalf("the removal's old image has no erasure mark: %v", removal.Change.OldImage)
	}
	removal.Change.OldImage = cloneImage(removal.Change.OldImage)
	delete(removal.Change.OldImage, "erasure")
	got, failed := publish(t, []events.DynamoDBEventRecord{removal})
	if len(got) != 1 || len(failed) != 0 || got[0].DetailType != "Profile Deleted" {
		t.Fatalf("%+v, reported %v; want one Profile Deleted", got, failed)
	}
	d := got[0].Detail
	if d.Profile != nil || d.UserProfile != nil || d.UserID != "" || d.Reason != "" || !slices.Equal(d.ChangedFields, everyField) {
		t.Errorf("Profile Deleted: %+v", d)
	}
	requireNoPersonalData(t, got[0], append(personalValues, "user-1"))
	line, _ := json.Marshal(got[0])
	eventschema.Check(t, line)
}

// TestPublisherRefusesRecordsItCannotRead rather than guess: such a
// record is the batch's failure.
func TestPublisherRefusesRecordsItCannotRead(t *testing.T) {
	t.Parallel()
	records, _ := lifeOfAProfile(t)
	created := records[0]
	if evs, failed := publish(t, records[:1]); len(evs) != 1 || len(failed) != 0 {
		t.Fatalf("the first record is no profile's create: %d events, reported %v", len(evs), failed)
	}
	keysOnly := created
	keysOnly.Change.StreamViewType = "KEYS_ONLY"
	keysOnly.Change.NewImage = nil
	badVersion := created
	badVersion.Change.NewImage = cloneImage(created.Change.NewImage)
	badVersion.Change.NewImage["version"] = events.NewStringAttribute("7")
	for name, r := range map[string]events.DynamoDBEventRecord{"keys only": keysOnly, "a version that is no number": badVersion} {
		if evs, failed := publish(t, []events.DynamoDBEventRecord{r}); len(evs) != 0 || !slices.Equal(failed, []string{r.Change.SequenceNumber}) {
			t.Errorf("%s: %d events, reported %v", name, len(evs), failed)
		}
	}
}

func cloneImage(m map[string]events.DynamoDBAttributeValue) map[string]events.DynamoDBAttributeValue {
	c := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
