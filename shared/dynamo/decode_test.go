package dynamo

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// writeOnly are the attributes of a profile item that only keys and
// indexes read: decodeProfile may ignore them.
var writeOnly = []string{"PK", "SK", "type", "listPK", "disabledPK", "disabledSK", "writeId", "contactKeys", "contactCount", "touchTime"}

func fullProfile() *profile.Profile {
	t1 := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	return &profile.Profile{
		ID: "6006dda272f002519c3eb505", FirstName: "Mary", MiddleName: "Jane", LastName: "Smith", CountryCode: "840",
		Enabled: true, Tags: []string{"blue", "green"}, UUID: "u-1", UserID: "user-1",
		FeatureUpdates: true, MarketingUpdates: true, CreateTime: t1, UpdateTime: t2, Version: 7,
		Contacts: []profile.Contact{
			{ID: "6006dda272f002519c3eb506", Key: "email", Value: "m@example.com", UUID: "c-1", Verified: true, CreateTime: t1, UpdateTime: t2, Version: 3},
			{ID: "6006dda272f002519c3eb507", Key: "phone", Value: "+64271112222", CreateTime: t1, UpdateTime: t1, Version: 1},
		},
	}
}

func storedItem(t *testing.T, p *profile.Profile) map[string]types.AttributeValue {
	t.Helper()
	item, err := attributevalue.MarshalMap(toItem(p, 4))
	if err != nil {
		t.Fatal(err)
	}
	item["writeId"] = &types.AttributeValueMemberS{Value: "0123456789abcdef01234567"}
	return item
}

// TestDecodeProfileReadsWhatToItemWrites: a profile survives toItem,
// attributevalue.MarshalMap and decodeProfile unchanged.
func TestDecodeProfileReadsWhatToItemWrites(t *testing.T) {
	disabled := fullProfile()
	disabled.Enabled = false
	for name, p := range map[string]*profile.Profile{
		"every field":   fullProfile(),
		"disabled":      disabled,
		"only required": {ID: "6006dda272f002519c3eb508", Tags: []string{}, Contacts: []profile.Contact{}, CreateTime: time.Unix(0, 0).UTC(), UpdateTime: time.Unix(0, 0).UTC(), Version: 1},
	} {
		got, err := decodeProfile(storedItem(t, p))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(utc(got), utc(p)) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, p)
		}
	}
}

// TestDecodeProfileReadsEveryAttribute: leaving out any attribute that is
// not write-only changes the decoded profile, so a new profileItem field
// cannot be forgotten by decodeProfile.
func TestDecodeProfileReadsEveryAttribute(t *testing.T) {
	item := storedItem(t, fullProfile())
	whole, err := decodeProfile(item)
	if err != nil {
		t.Fatal(err)
	}
	for name := range item {
		if slices.Contains(writeOnly, name) || strings.HasPrefix(name, "by") {
			continue
		}
		without := maps.Clone(item)
		delete(without, name)
		got, err := decodeProfile(without)
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(got, whole) {
			t.Errorf("decodeProfile ignores the attribute %q", name)
		}
	}
	contacts := item["contacts"].(*types.AttributeValueMemberL).Value
	for name := range contacts[0].(*types.AttributeValueMemberM).Value {
		c := maps.Clone(contacts[0].(*types.AttributeValueMemberM).Value)
		delete(c, name)
		without := maps.Clone(item)
		without["contacts"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: c}, contacts[1]}}
		got, err := decodeProfile(without)
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(got, whole) {
			t.Errorf("decodeProfile ignores the contact attribute %q", name)
		}
	}
}

// TestDecodeProfileReadsOnlyProfileAttributes: an item cut down to
// profileAttributes (what a page index projects) decodes to the same
// profile, and every attribute decodeProfile reads is in that list.
func TestDecodeProfileReadsOnlyProfileAttributes(t *testing.T) {
	item := storedItem(t, fullProfile())
	whole, err := decodeProfile(item)
	if err != nil {
		t.Fatal(err)
	}
	cut := map[string]types.AttributeValue{}
	for _, name := range profileAttributes {
		if v, ok := item[name]; ok {
			cut[name] = v
		}
	}
	got, err := decodeProfile(cut)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, whole) {
		t.Errorf("from profileAttributes alone:\n got %+v\nwant %+v", got, whole)
	}
	for name := range item {
		if !slices.Contains(writeOnly, name) && !strings.HasPrefix(name, "by") && !slices.Contains(profileAttributes, name) {
			t.Errorf("decodeProfile reads %q (TestDecodeProfileReadsEveryAttribute), which profileAttributes lacks", name)
		}
	}
}

func TestDecodeProfileRefusesWrongTypes(t *testing.T) {
	item := storedItem(t, fullProfile())
	item["version"] = &types.AttributeValueMemberS{Value: "7"}
	if _, err := decodeProfile(item); err == nil {
		t.Error("a string version decoded without an error")
	}
}

// utc puts every time of p in UTC, so equal instants compare equal.
func utc(p *profile.Profile) *profile.Profile {
	c := *p
	c.CreateTime, c.UpdateTime = p.CreateTime.UTC(), p.UpdateTime.UTC()
	c.Contacts = slices.Clone(p.Contacts)
	for i := range c.Contacts {
		c.Contacts[i].CreateTime, c.Contacts[i].UpdateTime = c.Contacts[i].CreateTime.UTC(), c.Contacts[i].UpdateTime.UTC()
	}
	return &c
}
