package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestRemovedContactLeavesNoValue: once a contact removal is acknowledged,
// no item of the table (the profile item, whose contacts the page indexes
// project, its contact items, the index entries) holds the contact's
// value or uuid (issue 25, defect 4): a removal that commutes keeps only
// the contact's id, version and removed mark in its place.
func TestRemovedContactLeavesNoValue(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	p, err := profile.New(profile.Input{Contacts: []profile.ContactChanges{
		{Key: field(profile.KeyEmail), Value: field("gone@removal.example"), UUID: field("c4a1b2d3-0000-4000-8000-000000000001")},
		{Key: field(profile.KeyPhone), Value: field("+64210000001")},
	}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Store.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	removed := p.Contacts[0]
	if _, err := st.Store.Update(ctx, p.ID, profile.Precondition{}, func(q *profile.Profile) error {
		return q.RemoveContact(removed.ID)
	}, nil); err != nil {
		t.Fatal(err)
	}
	for _, it := range scanAll(t, st.DB, st.Config.TableName) {
		for name, v := range it {
			if s := flatten(v); strings.Contains(s, removed.Value) || strings.Contains(s, removed.UUID) {
				t.Errorf("item %s/%s still holds the removed contact in %s: %s", flatten(it["PK"]), flatten(it["SK"]), name, s)
			}
		}
	}
}

// TestRemovedContactsStayBounded: writes that read the item before others
// landed cannot grow its contact entries past the bound docs/design.md
// states (MaxContacts live plus 16 removed): adds hold the list's length,
// removals only mark entries. Each write below reads, then lets the next
// one read and land, then lands itself: every removal read an item with
// few removed entries, and every add a profile with room for it.
func TestRemovedContactsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	// The outer writes wait for the inner ones: a budget for all of them.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var in profile.Input
	for i := range profile.MaxContacts {
		in.Contacts = append(in.Contacts, profile.ContactChanges{Key: field(profile.KeyPhone), Value: field(fmt.Sprintf("+64210%06d", i))})
	}
	p, err := profile.New(in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Store.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Contacts[:15] { // 15 removed entries, one at a time
		if _, err := st.Store.Update(ctx, p.ID, profile.Precondition{}, removeContact(c.ID), nil); err != nil {
			t.Fatal(err)
		}
	}
	// 17 adds that read 35 contacts, and 2 removals that make room for them.
	var writes []func(*profile.Profile) error
	for i := range 17 {
		writes = append(writes, addPhone(fmt.Sprintf("+64211%06d", i)))
	}
	writes = append(writes, removeContact(p.Contacts[15].ID), removeContact(p.Contacts[16].ID))
	if err := nested(ctx, st.Store, p.ID, writes); err != nil {
		t.Fatal(err)
	}
	out, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Config.TableName), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "PROFILE#" + p.ID}, "SK": &types.AttributeValueMemberS{Value: "PROFILE"}}})
	if err != nil {
		t.Fatal(err)
	}
	entries := out.Item["contacts"].(*types.AttributeValueMemberL).Value
	if bound := profile.MaxContacts + 16; len(entries) > bound {
		t.Errorf("the item holds %d contact entries, more than the bound of %d", len(entries), bound)
	}
}

// nested runs the writes as an Update each, where each write's change
// first runs the rest (once): every write reads before all later ones
// land, and lands after them.
func nested(ctx context.Context, s *dynamo.Store, id string, writes []func(*profile.Profile) error) error {
	if len(writes) == 0 {
		return nil
	}
	ran := false
	_, err := s.Update(ctx, id, profile.Precondition{}, func(p *profile.Profile) error {
		if !ran {
			ran = true
			if err := nested(ctx, s, id, writes[1:]); err != nil {
				return err
			}
		}
		return writes[0](p)
	}, nil)
	return err
}

func removeContact(id string) func(*profile.Profile) error {
	return func(p *profile.Profile) error { return p.RemoveContact(id) }
}

func field(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }

// scanAll reads every item of the table.
func scanAll(t *testing.T, db *dynamodb.Client, table string) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, page.Items...)
	}
	return items
}

// flatten is every string an attribute value holds, joined.
func flatten(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberSS:
		return strings.Join(v.Value, " ")
	case *types.AttributeValueMemberL:
		var b strings.Builder
		for _, e := range v.Value {
			b.WriteString(flatten(e) + " ")
		}
		return b.String()
	case *types.AttributeValueMemberM:
		var b strings.Builder
		for _, e := range v.Value {
			b.WriteString(flatten(e) + " ")
		}
		return b.String()
	}
	return ""
}
