package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/profile"
)

// The classification of every attribute the table's items hold about a
// profile, by item type: either held (a check that finds its value in
// the export document) or bookkeeping (why it is not exported). An item
// type or attribute missing here fails TestExportHoldsEverythingTheTableHolds:
// classify it before it ships (docs/privacy.md).

// exported is what a held attribute's value is checked against: the export
// document's profile, and the export's contact the item (or embedded
// entry) is, if it is one.
type exported struct {
	profile map[string]any
	contact map[string]any // nil for an item that is not a contact
	// removed are the contact ids of the profile item's tombstones.
	removed map[string]bool
}

// attribute is one attribute's classification: check finds its value v
// (attributevalue.Unmarshal into any) in the export; or bookkeeping says
// why it is not exported.
type attribute struct {
	check       func(v any, e exported) error
	bookkeeping string
}

// itemClasses is the table the test reads: item type (the items' `type`
// attribute; "tombstone" for a removed contact's entry embedded in the
// profile item, "embedded contact" for a live one) → attribute → class.
var itemClasses = map[string]map[string]attribute{
	"profile": {
		"PK":                 {check: keyOf("PROFILE#", "profileId")},
		"SK":                 {bookkeeping: "the item's kind, the constant PROFILE"},
		"type":               {bookkeeping: "the item's kind, the constant profile"},
		"copyId":             {bookkeeping: "a random id drawn when the profile item is written first, so a write never lands on a copy created again at the same id; it tells nothing of the person"},
		"profileId":          {check: same("profileId")},
		"firstName":          {check: same("firstName")},
		"middleName":         {check: same("middleName")},
		"lastName":           {check: same("lastName")},
		"countryNumericCode": {check: same("countryNumericCode")},
		"enabled":            {check: same("enabled")},
		"tags":               {check: same("tags")},
		"uuid":               {check: same("uuid")},
		"userId":             {check: same("userId")},
		"featureUpdates":     {check: same("featureUpdates")},
		"marketingUpdates":   {check: same("marketingUpdates")},
		"createTime":         {check: same("createTime")},
		"updateTime":         {check: same("updateTime")},
		"touchTime":          {check: same("touchTime")},
		"version":            {check: same("version")},
		"contacts":           {check: nil}, // each entry is classified as an "embedded contact" or a "tombstone" item
		"contactKeys":        {check: contactLookups},
		"contactCount":       {check: contactCount},
		// The list indexes' keys: the case-folded sort value, then the
		// profileId; listPK the enabled flag and a shard number.
		"listPK":       {check: listPartition},
		"byCreateTime": {check: timeKeyOf("createTime")},
		"byUpdateTime": {check: timeKeyOf("updateTime")},
		"byFirstName":  {check: sortKeyOf("firstName")},
		"byMiddleName": {check: sortKeyOf("middleName")},
		"byLastName":   {check: sortKeyOf("lastName")},
		"byName":       {check: sortKeyOf("name")},
		"byProfileId":  {check: same("profileId")},
	},
	"contact": contactClass(map[string]attribute{
		"PK":        {check: keyOf("PROFILE#", "profileId")},
		"SK":        {check: contactKeyOf("CONTACT#")},
		"type":      {bookkeeping: "the item's kind, the constant contact"},
		"profileId": {check: same("profileId")},
		"lookup":    {check: contactLookup},
	}),
	"embedded contact": contactClass(nil),
	"tombstone": {
		"contactId": {bookkeeping: "the random id of a contact removed since: no value, uuid, flag or time; it keeps the entry's place so concurrent removals do not move each other's, and the next write on the version drops it"},
		"version":   {bookkeeping: "that removed contact's version counter, which a concurrent removal's condition names"},
		"removed":   {bookkeeping: "the mark of a removed entry"},
	},
	"uuid": {
		"PK":        {check: keyOf("UUID#", "uuid")},
		"SK":        {bookkeeping: "the constant MARKER"},
		"type":      {bookkeeping: "the item's kind, the constant uuid"},
		"profileId": {check: same("profileId")},
	},
	"user": {
		"PK":        {check: keyOf("USER#", "userId")},
		"SK":        {bookkeeping: "the constant MARKER"},
		"type":      {bookkeeping: "the item's kind, the constant user"},
		"profileId": {check: same("profileId")},
	},
	"idempotency": {
		"PK":          {bookkeeping: "SHA-256 of the caller-scoped Idempotency-Key: the caller's choice, not the person's data"},
		"SK":          {bookkeeping: "the constant MARKER"},
		"type":        {bookkeeping: "the item's kind, the constant idempotency"},
		"requestHash": {bookkeeping: "a one-way hash of the request, kept to tell a retry from another request: not data that can be given back; it expires after 24 h and an erasure deletes the record"},
		"status":      {bookkeeping: "the HTTP status the first request was answered"},
		"kind":        {bookkeeping: "which route's request it was (profile, contact, user)"},
		"expiresAt":   {bookkeeping: "its TTL: 24 h after the request"},
		"profileId":   {check: same("profileId")},
		"contactId":   {check: contactIDHeld}, // the contact the request added: exported, or a tombstone's id once removed
	},
	"idempotency-ref": {
		"PK":        {bookkeeping: "the profile's partition key: its id, which the export holds"},
		"SK":        {bookkeeping: "IDEMPOTENCY# and the record's key hash: the pointer an erasure follows to delete the record, nothing of the person"},
		"type":      {bookkeeping: "the item's kind, the constant idempotency-ref"},
		"expiresAt": {bookkeeping: "its TTL: a while after its record's"},
	},
}

// contactClass is a contact's attributes, as its own item and embedded,
// with more.
func contactClass(more map[string]attribute) map[string]attribute {
	c := map[string]attribute{
		"contactId":  {check: sameContact("contactId")},
		"key":        {check: sameContact("key")},
		"value":      {check: sameContact("value")},
		"uuid":       {check: sameContact("uuid")},
		"verified":   {check: sameContact("verified")},
		"createTime": {check: sameContact("createTime")},
		"updateTime": {check: sameContact("updateTime")},
		"version":    {check: sameContact("version")},
	}
	maps.Copy(c, more)
	return c
}

func same(field string) func(any, exported) error {
	return func(v any, e exported) error { return equal(v, e.profile[field], "profile."+field) }
}

func sameContact(field string) func(any, exported) error {
	return func(v any, e exported) error {
		if e.contact == nil {
			return fmt.Errorf("no contact of the export is this one")
		}
		return equal(v, e.contact[field], "contact."+field)
	}
}

func keyOf(prefix, field string) func(any, exported) error {
	return func(v any, e exported) error {
		return equal(v, prefix+fmt.Sprint(e.profile[field]), prefix+"<profile."+field+">")
	}
}

func contactKeyOf(prefix string) func(any, exported) error {
	return func(v any, e exported) error {
		if e.contact == nil {
			return fmt.Errorf("no contact of the export is this one")
		}
		return equal(v, prefix+fmt.Sprint(e.contact["contactId"]), prefix+"<contactId>")
	}
}

// sortKeySep separates a list index's sort value from the profileId.
const sortKeySep = "\x01"

func sortKeyOf(field string) func(any, exported) error {
	return func(v any, e exported) error {
		value, _ := e.profile[field].(string)
		return equal(v, strings.ToLower(value)+sortKeySep+fmt.Sprint(e.profile["profileId"]), "folded profile."+field+" and profileId")
	}
}

func timeKeyOf(field string) func(any, exported) error {
	return func(v any, e exported) error {
		return equal(v, fmt.Sprint(e.profile[field])+sortKeySep+fmt.Sprint(e.profile["profileId"]), "profile."+field+" and profileId")
	}
}

func listPartition(v any, e exported) error {
	enabled := "0"
	if e.profile["enabled"] == true {
		enabled = "1"
	}
	if s, _ := v.(string); !strings.HasPrefix(s, "PROFILES#"+enabled+"#") {
		return fmt.Errorf("%q is not a partition of enabled=%s", v, enabled)
	}
	return nil
}

// lookupOf is how the byContact index finds a contact: its key and its
// value, an email address lower-cased.
func lookupOf(c map[string]any) string {
	value := fmt.Sprint(c["value"])
	if c["key"] == "email" {
		value = strings.ToLower(value)
	}
	return fmt.Sprint(c["key"]) + "#" + value
}

func contacts(e exported) []map[string]any {
	var out []map[string]any
	for _, c := range e.profile["contacts"].([]any) {
		out = append(out, c.(map[string]any))
	}
	return out
}

func contactLookup(v any, e exported) error {
	if e.contact == nil {
		return fmt.Errorf("no contact of the export is this one")
	}
	return equal(v, lookupOf(e.contact), "the contact's key#value")
}

func contactLookups(v any, e exported) error {
	var want []string
	for _, c := range contacts(e) {
		want = append(want, lookupOf(c))
	}
	got := slices.Sorted(slices.Values(toStrings(v)))
	slices.Sort(want)
	return equal(got, want, "every contact's key#value")
}

func contactCount(v any, e exported) error {
	return equal(v, float64(len(contacts(e))), "the number of contacts")
}

func contactIDHeld(v any, e exported) error {
	for _, c := range contacts(e) {
		if c["contactId"] == v {
			return nil
		}
	}
	if id, _ := v.(string); e.removed[id] {
		return nil // a removed contact's id, as its tombstone holds it
	}
	return fmt.Errorf("contact %v is neither in the export nor removed", v)
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		out := make([]string, len(v))
		for i := range v {
			out[i] = fmt.Sprint(v[i])
		}
		return out
	}
	return nil
}

// equal compares a stored value with the export's, as JSON shows both
// (numbers as float64, string sets as lists).
func equal(got, want any, what string) error {
	if g, ok := got.([]string); ok {
		got = anys(g)
	}
	if w, ok := want.([]string); ok {
		want = anys(w)
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("stored %#v, the export's %s is %#v", got, what, want)
	}
	return nil
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i := range s {
		out[i] = s[i]
	}
	return out
}

// TestExportHoldsEverythingTheTableHolds: for a user's profile with every
// field set (unique values; contacts of both kinds, verified and not,
// with and without uuids; the user link; preferences set through the
// user routes; a contact removed), both export routes answer the same
// document, and every attribute of every item of the table that belongs
// to the profile is either found in it or classified as bookkeeping
// (itemClasses). An item belongs to the profile when any of its strings
// (keys included, nested ones too) names the profile id or holds one of
// its values: the profile, its contact items, its markers, the
// Idempotency-Key records of requests about it, and anything new that
// holds its data.
func TestExportHoldsEverythingTheTableHolds(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	var b [4]byte
	_, _ = rand.Read(b[:])
	u := hex.EncodeToString(b[:])
	sub := "export-user-" + u
	user := client.New(a.stack.URL, client.WithUserToken(testenv.UserToken(t, sub)))
	admin := client.New(a.stack.URL, client.WithBearerToken(a.token))
	values := []string{sub, "Given" + u, "Middle" + u, "Family" + u, "tag-" + u, "ext-" + u,
		"first." + u + "@example.org", "second." + u + "@example.org", "gone." + u + "@example.org", "mail-uuid-" + u, "phone-uuid-" + u}

	// Preferences, names and the email through the user route.
	check(t, "user update", func() error {
		_, err := user.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value(values[1]), FamilyName: client.Value(values[3]),
			FeatureUpdates: client.Value(true), MarketingUpdates: client.Value(false), Email: client.Value(values[6])}, nil)
		return err
	})
	id := profile.UserProfileID(sub)
	p, err := admin.GetProfile(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The rest through the admin routes.
	check(t, "patch", func() error {
		_, err := admin.PatchProfile(ctx, id, client.ProfileInput{MiddleName: client.Value(values[2]), CountryNumericCode: client.Value("554"),
			Tags: client.Value([]string{values[4], "second-tag"}), UUID: client.Value(values[5])}, nil)
		return err
	})
	check(t, "verify", func() error {
		_, err := admin.PatchContact(ctx, id, p.Contacts[0].ContactID, client.ContactInput{Verified: client.Value(true), UUID: client.Value(values[9])}, nil)
		return err
	})
	for _, c := range []client.ContactInput{
		{Key: client.Value("phone"), Value: client.Value("+6421" + fmt.Sprint(1000000+int(b[0])<<8+int(b[1]))), UUID: client.Value(values[10]), Verified: client.Value(true)},
		{Key: client.Value("phone"), Value: client.Value("+6422" + fmt.Sprint(1000000+int(b[2])<<8+int(b[3])))},
		{Key: client.Value("email"), Value: client.Value(values[7])},
	} {
		check(t, "add contact", func() error { _, err := admin.CreateContact(ctx, id, c, nil); return err })
	}
	gone, err := admin.CreateContact(ctx, id, client.ContactInput{Key: client.Value("email"), Value: client.Value(values[8])}, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "remove contact", func() error { return admin.DeleteContact(ctx, id, gone.ContactID, nil) })

	mine, err := user.ExportMyProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := admin.ExportProfile(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	mine.ExportTime, theirs.ExportTime = "", ""
	if !reflect.DeepEqual(mine, theirs) {
		t.Fatalf("the user's export\n %+v\nthe admin's\n %+v", mine, theirs)
	}
	if mine.User == nil || mine.User.UserID != sub || !mine.User.EmailVerified || mine.User.PhoneNumber == nil || !mine.User.PhoneVerified {
		t.Errorf("user view %+v", mine.User)
	}
	var doc map[string]any
	raw, _ := json.Marshal(theirs)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	e := exported{profile: doc["profile"].(map[string]any), removed: map[string]bool{}}
	if n := len(contacts(e)); n != 4 {
		t.Fatalf("%d contacts exported, want 4", n)
	}

	var items []map[string]any
	for _, item := range scanAll(t, a) {
		if !belongs(item, id, values) {
			continue
		}
		var m map[string]any
		if err := attributevalue.UnmarshalMap(item, &m); err != nil {
			t.Fatal(err)
		}
		items = append(items, m)
		if m["type"] == "profile" {
			for _, c := range m["contacts"].([]any) {
				if c := c.(map[string]any); c["removed"] == true {
					e.removed[fmt.Sprint(c["contactId"])] = true
				}
			}
		}
	}
	seen := map[string]int{}
	for _, m := range items {
		classify(t, m, fmt.Sprint(m["type"]), e, seen)
	}
	for _, kind := range []string{"profile", "contact", "embedded contact", "tombstone", "uuid", "idempotency", "idempotency-ref"} {
		if seen[kind] == 0 {
			t.Errorf("no %s item found: the scenario no longer makes every kind of item", kind)
		}
	}
	if seen["contact"] != 4 || seen["embedded contact"] != 4 {
		t.Errorf("%d contact items and %d embedded contacts, want 4 of each", seen["contact"], seen["embedded contact"])
	}
	t.Logf("items and entries checked: %v", seen)
}

// classify checks every attribute of one item (or embedded entry) of the
// type against itemClasses.
func classify(t *testing.T, m map[string]any, kind string, e exported, seen map[string]int) {
	t.Helper()
	class, ok := itemClasses[kind]
	if !ok {
		t.Errorf("an item of type %q belongs to the profile and is not classified: %v", kind, m)
		return
	}
	seen[kind]++
	if id, ok := m["contactId"]; ok && kind != "tombstone" {
		for _, c := range contacts(e) {
			if c["contactId"] == id {
				e.contact = c
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		attr, ok := class[name]
		switch {
		case !ok:
			t.Errorf("%s item: attribute %q (%v) is not classified: add it to itemClasses as held (and to the export) or bookkeeping", kind, name, m[name])
		case name == "contacts" && kind == "profile":
			for _, entry := range m[name].([]any) {
				c := entry.(map[string]any)
				if c["removed"] == true {
					classify(t, c, "tombstone", e, seen)
				} else {
					classify(t, c, "embedded contact", e, seen)
				}
			}
		case attr.check != nil:
			if err := attr.check(m[name], e); err != nil {
				t.Errorf("%s item: %s: %v", kind, name, err)
			}
		case attr.bookkeeping == "":
			t.Errorf("%s item: attribute %q has neither a check nor a reason", kind, name)
		}
	}
}

// belongs reports whether any string of the item (its keys, attribute
// values, nested ones) names the profile id or holds one of its values.
func belongs(item map[string]types.AttributeValue, id string, values []string) bool {
	var found bool
	var walk func(v types.AttributeValue)
	walk = func(v types.AttributeValue) {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			s := strings.ToLower(v.Value)
			found = found || strings.Contains(s, id) || slices.ContainsFunc(values, func(x string) bool { return strings.Contains(s, strings.ToLower(x)) })
		case *types.AttributeValueMemberSS:
			for _, s := range v.Value {
				walk(&types.AttributeValueMemberS{Value: s})
			}
		case *types.AttributeValueMemberL:
			for _, e := range v.Value {
				walk(e)
			}
		case *types.AttributeValueMemberM:
			for _, e := range v.Value {
				walk(e)
			}
		}
	}
	for _, v := range item {
		walk(v)
	}
	return found
}

// scanAll reads every item of the test's table, page by page.
// scanAll is every item of the test's table, strongly consistent, page by
// page: the tests' one way to read the whole table.
func scanAll(t *testing.T, a *api) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	in := &dynamodb.ScanInput{TableName: aws.String(a.stack.Config.TableName), ConsistentRead: aws.Bool(true)}
	for {
		out, err := a.stack.DB.Scan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func check(t *testing.T, what string, do func() error) {
	t.Helper()
	if err := do(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
