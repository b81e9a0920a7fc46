package dynamo

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/profiles-service/profiles/shared/profile"
)

// Key prefixes of the single table.
const (
	profilePrefix = "PROFILE#"
	contactPrefix = "CONTACT#"
	listPrefix    = "PROFILES#"
	profileSK     = "PROFILE"
	markerSK      = "MARKER"
)

// uniqueField is a profile field whose values marker items keep unique:
// a marker PK=<prefix><value>, SK=MARKER names the profile holding it.
type uniqueField struct {
	prefix   string // the marker's key prefix
	itemType string // the marker item's type attribute
	name     string // the field's name in the API
}

var (
	uuidField = uniqueField{prefix: "UUID#", itemType: "uuid", name: "uuid"}
	userField = uniqueField{prefix: "USER#", itemType: "user", name: "userId"}
)

// ListPartitionAttr is the partition key of every list index; only profile
// items carry it, so the indexes are sparse.
const ListPartitionAttr = "listPK"

// IndexFor names the list index, and its sort key attribute, for a sort field.
func IndexFor(field string) string {
	return "by" + strings.ToUpper(field[:1]) + field[1:]
}

// profileItem is the stored form of a profile: the profile with its contacts
// embedded (so a list page is one index read) and the list index keys.
type profileItem struct {
	PK               string        `dynamodbav:"PK"`
	SK               string        `dynamodbav:"SK"`
	Type             string        `dynamodbav:"type"`
	ProfileID        string        `dynamodbav:"profileId"`
	FirstName        string        `dynamodbav:"firstName,omitempty"`
	MiddleName       string        `dynamodbav:"middleName,omitempty"`
	LastName         string        `dynamodbav:"lastName,omitempty"`
	CountryCode      string        `dynamodbav:"countryNumericCode,omitempty"`
	Enabled          bool          `dynamodbav:"enabled"`
	Tags             []string      `dynamodbav:"tags"`
	UUID             string        `dynamodbav:"uuid,omitempty"`
	UserID           string        `dynamodbav:"userId,omitempty"`
	FeatureUpdates   bool          `dynamodbav:"featureUpdates"`
	MarketingUpdates bool          `dynamodbav:"marketingUpdates"`
	Contacts         []contactItem `dynamodbav:"contacts"`
	CreateTime       string        `dynamodbav:"createTime"`
	UpdateTime       string        `dynamodbav:"updateTime"`
	Version          int64         `dynamodbav:"version"`
	ListPK           string        `dynamodbav:"listPK"`
	ByCreateTime     string        `dynamodbav:"byCreateTime"`
	ByEnabled        string        `dynamodbav:"byEnabled"`
	ByFirstName      string        `dynamodbav:"byFirstName"`
	ByLastName       string        `dynamodbav:"byLastName"`
	ByMiddleName     string        `dynamodbav:"byMiddleName"`
	ByName           string        `dynamodbav:"byName"`
	ByProfileID      string        `dynamodbav:"byProfileId"`
	ByUpdateTime     string        `dynamodbav:"byUpdateTime"`
	// Only disabled profiles carry these: the sparse index the retention
	// job reads, ordered by updateTime.
	DisabledPK string `dynamodbav:"disabledPK,omitempty"`
	DisabledSK string `dynamodbav:"disabledSK,omitempty"`
}

// disabledPartition is the one partition of the disabled-profiles index.
const disabledPartition = "DISABLED"

// DisabledIndex is the sparse index of disabled profiles by updateTime.
const DisabledIndex = "disabledByUpdateTime"

// contactItem is the stored form of a contact, both as its own item
// (PK=PROFILE#<id>, SK=CONTACT#<contactId>) and embedded in its profile item.
type contactItem struct {
	PK         string `dynamodbav:"PK,omitempty"`
	SK         string `dynamodbav:"SK,omitempty"`
	Type       string `dynamodbav:"type,omitempty"`
	ProfileID  string `dynamodbav:"profileId,omitempty"`
	ContactID  string `dynamodbav:"contactId"`
	Key        string `dynamodbav:"key"`
	Value      string `dynamodbav:"value"`
	UUID       string `dynamodbav:"uuid,omitempty"`
	Verified   bool   `dynamodbav:"verified"`
	CreateTime string `dynamodbav:"createTime"`
	UpdateTime string `dynamodbav:"updateTime"`
	Version    int64  `dynamodbav:"version"`
}

// markerItem reserves a unique value (a uuid or a userId) for one profile.
type markerItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	ProfileID string `dynamodbav:"profileId"`
}

func profileKey(id string) string { return profilePrefix + id }

func shardOf(id string, shards int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % uint32(shards))
}

func listPK(shard int) string { return listPrefix + strconv.Itoa(shard) }

func toItem(p *profile.Profile, shards int) profileItem {
	it := profileItem{
		PK: profileKey(p.ID), SK: profileSK, Type: "profile", ProfileID: p.ID,
		FirstName: p.FirstName, MiddleName: p.MiddleName, LastName: p.LastName,
		CountryCode: p.CountryCode, Enabled: p.Enabled, Tags: p.Tags, UUID: p.UUID, UserID: p.UserID,
		FeatureUpdates: p.FeatureUpdates, MarketingUpdates: p.MarketingUpdates,
		CreateTime: profile.FormatTime(p.CreateTime), UpdateTime: profile.FormatTime(p.UpdateTime),
		Version: p.Version, ListPK: listPK(shardOf(p.ID, shards)),
		ByCreateTime: profile.SortKey("createTime", p), ByEnabled: profile.SortKey("enabled", p),
		ByFirstName: profile.SortKey("firstName", p), ByLastName: profile.SortKey("lastName", p),
		ByMiddleName: profile.SortKey("middleName", p), ByName: profile.SortKey("name", p),
		ByProfileID: profile.SortKey("profileId", p), ByUpdateTime: profile.SortKey("updateTime", p),
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	if !p.Enabled {
		it.DisabledPK, it.DisabledSK = disabledPartition, profile.SortKey("updateTime", p)
	}
	it.Contacts = make([]contactItem, len(p.Contacts))
	for i := range p.Contacts {
		it.Contacts[i] = toContactItem(&p.Contacts[i])
	}
	return it
}

func toContactItem(c *profile.Contact) contactItem {
	return contactItem{
		ContactID: c.ID, Key: c.Key, Value: c.Value, UUID: c.UUID, Verified: c.Verified,
		CreateTime: profile.FormatTime(c.CreateTime), UpdateTime: profile.FormatTime(c.UpdateTime), Version: c.Version,
	}
}

// standalone is the contact as its own table item.
func (c contactItem) standalone(profileID string) contactItem {
	c.PK, c.SK, c.Type, c.ProfileID = profileKey(profileID), contactPrefix+c.ContactID, "contact", profileID
	return c
}

func parseTime(s string) time.Time {
	t, _ := profile.ParseTime(s)
	return t
}
