package dynamo

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/profiles-service/profiles/shared/profile"
)

// Key prefixes of the single table.
const (
	profilePrefix = "PROFILE#"
	contactPrefix = "CONTACT#"
	listPrefix    = "PROFILES#"
	erasingPrefix = "ERASING#"
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
	// ContactKeys is each contact's look-up value (contactLookup): a
	// contact add checks for a duplicate in its condition, without reading
	// the contacts. Absent without contacts (a set cannot be empty).
	ContactKeys []string `dynamodbav:"contactKeys,stringset,omitempty"`
	// ContactCount is the number of contacts, tombstones not counted: a
	// contact add checks the limit on it.
	ContactCount int    `dynamodbav:"contactCount"`
	CreateTime   string `dynamodbav:"createTime"`
	UpdateTime   string `dynamodbav:"updateTime"`
	// TouchTime is when the profile or any of its contacts last changed
	// (updateTime moves only with the profile's own fields): the retention
	// job deletes only profiles untouched since its cutoff.
	TouchTime    string `dynamodbav:"touchTime"`
	Version      int64  `dynamodbav:"version"`
	ListPK       string `dynamodbav:"listPK"`
	ByCreateTime string `dynamodbav:"byCreateTime"`
	ByFirstName  string `dynamodbav:"byFirstName"`
	ByLastName   string `dynamodbav:"byLastName"`
	ByMiddleName string `dynamodbav:"byMiddleName"`
	ByName       string `dynamodbav:"byName"`
	ByProfileID  string `dynamodbav:"byProfileId"`
	ByUpdateTime string `dynamodbav:"byUpdateTime"`
}

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
	// Removed marks an embedded contact removed (a tombstone): a removal
	// sets it in place, so the places of the others, which concurrent
	// removals name, do not move. Reads skip it; a write on the version
	// drops the tombstones.
	Removed bool `dynamodbav:"removed,omitempty"`
	// Lookup is the contact's value as filter[email] and filter[phone] find
	// it (contactLookup): the partition key of the byContact index. Only
	// the contact's own item carries it.
	Lookup string `dynamodbav:"lookup,omitempty"`
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
	// shards is at least 1 (New): the remainder is a shard, 0 to shards-1.
	return int(h.Sum32()) % shards
}

// listPK is a partition of the list indexes: a profile's enabled state
// and its shard, so filter[enabled] reads only its own partitions.
func listPK(enabled bool, shard int) string {
	return listPrefix + enabledKey(enabled) + "#" + strconv.Itoa(shard)
}

// erasingPK is the list partition of a profile whose erasure began (its
// mark moves it there): no listing reads it (partitions names only
// listPK's), so a marked profile leaves every listing at once, page
// indexes included, which project the profile but not the mark; and the
// retention job finds an erasure cut short there (CutShortErasures),
// enabled or disabled. It is split by shard as the others are, so a burst
// of erasures does not write one index partition.
func erasingPK(shard int) string {
	return erasingPrefix + strconv.Itoa(shard)
}

func enabledKey(enabled bool) string {
	if enabled {
		return "1"
	}
	return "0"
}

// enabledOfPartition is the enabled state a list partition holds.
func enabledOfPartition(pk string) string {
	return strings.TrimPrefix(pk, listPrefix)[:1]
}

// keySep separates a sort value from the id that breaks ties. It sorts below
// every character a validated value may hold (control characters are
// rejected), so "ab" orders before "abc".
const keySep = "\x01"

// maxSortValueBytes keeps a sort key under DynamoDB's 1,024-byte limit for a
// sort key; values longer than this order by their first bytes, then by id.
const maxSortValueBytes = 900

// foldKey is the case-insensitive form of a value in a sort key (as
// profile.Filter.Match compares names), cut to maxSortValueBytes.
func foldKey(s string) string {
	s = profile.Fold(s)
	if len(s) <= maxSortValueBytes {
		return s
	}
	cut := maxSortValueBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// sortKey is the value that orders p for the sort field: the case-folded
// value, then the profileId, so the order is total. The list indexes hold
// exactly these values, each in the attribute that names its index.
func sortKey(field string, p *profile.Profile) string {
	switch field {
	case "createTime":
		return profile.FormatTime(p.CreateTime) + keySep + p.ID
	case "updateTime":
		return profile.FormatTime(p.UpdateTime) + keySep + p.ID
	case "enabled":
		return enabledKey(p.Enabled) + keySep + p.ID
	case "firstName":
		return foldKey(p.FirstName) + keySep + p.ID
	case "middleName":
		return foldKey(p.MiddleName) + keySep + p.ID
	case "lastName":
		return foldKey(p.LastName) + keySep + p.ID
	case "name":
		return foldKey(p.Name()) + keySep + p.ID
	case "profileId":
		return p.ID
	}
	panic("dynamo: unknown sort field " + field)
}

// equalPrefix is the start every sortKey of a name field shares when the
// value equals value case-insensitively; it lets a list read only those.
// For a value longer than a key keeps, keys with the prefix only may hold
// it: a listing checks the profiles it reads.
func equalPrefix(value string) string {
	return foldKey(value) + keySep
}

func toItem(p *profile.Profile, shards int) profileItem {
	it := profileItem{
		PK: profileKey(p.ID), SK: profileSK, Type: "profile", ProfileID: p.ID,
		FirstName: p.FirstName, MiddleName: p.MiddleName, LastName: p.LastName,
		CountryCode: p.CountryCode, Enabled: p.Enabled, Tags: p.Tags, UUID: p.UUID, UserID: p.UserID,
		FeatureUpdates: p.FeatureUpdates, MarketingUpdates: p.MarketingUpdates,
		CreateTime: profile.FormatTime(p.CreateTime), UpdateTime: profile.FormatTime(p.UpdateTime),
		Version: p.Version, ListPK: listPK(p.Enabled, shardOf(p.ID, shards)),
		ByCreateTime: sortKey("createTime", p),
		ByFirstName:  sortKey("firstName", p), ByLastName: sortKey("lastName", p),
		ByMiddleName: sortKey("middleName", p), ByName: sortKey("name", p),
		ByProfileID: sortKey("profileId", p), ByUpdateTime: sortKey("updateTime", p),
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	it.Contacts = make([]contactItem, len(p.Contacts))
	for i := range p.Contacts {
		c := &p.Contacts[i]
		it.Contacts[i] = toContactItem(c)
		it.ContactKeys = append(it.ContactKeys, contactLookup(c.Key, c.Value))
	}
	it.TouchTime = profile.FormatTime(profile.LatestChange(p))
	it.ContactCount = len(p.Contacts)
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
	c.Lookup = contactLookup(c.Key, c.Value)
	return c
}

// contactLookup is how the byContact index finds a contact value: its key
// and the value as duplicates are compared (profile.SameContactValue): an
// email address Fold-ed (NFC, lower-cased), a phone number in E.164 as stored.
func contactLookup(key, value string) string {
	if key == profile.KeyEmail {
		value = profile.Fold(value)
	}
	return key + "#" + value
}

func parseTime(s string) time.Time {
	t, _ := profile.ParseTime(s)
	return t
}
