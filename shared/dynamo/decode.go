package dynamo

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// profileAttributes are the attributes of a profile item decodeProfile
// reads: what a page returns, so what the page indexes project
// (TestDecodeProfileReadsOnlyProfileAttributes and TestIndexesMatchTemplate
// hold the three together).
var profileAttributes = []string{"profileId", "firstName", "middleName", "lastName", "countryNumericCode", "enabled",
	"tags", "uuid", "userId", "featureUpdates", "marketingUpdates", "createTime", "updateTime", "version", "contacts"}

// decodeProfile reads a stored profile item (profileItem's attributes)
// into a profile. Every GET and every list page decodes its items here, so
// it reads the attributes by name rather than through attributevalue's
// reflection, which cost more than the rest of a GET's own work; a test
// holds it to what toItem writes.
func decodeProfile(av map[string]types.AttributeValue) (*profile.Profile, error) {
	d := decoder{av: av}
	p := &profile.Profile{
		ID:               d.str("profileId"),
		FirstName:        d.str("firstName"),
		MiddleName:       d.str("middleName"),
		LastName:         d.str("lastName"),
		CountryCode:      d.str("countryNumericCode"),
		Enabled:          d.bool("enabled"),
		Tags:             d.strings("tags"),
		UUID:             d.str("uuid"),
		UserID:           d.str("userId"),
		FeatureUpdates:   d.bool("featureUpdates"),
		MarketingUpdates: d.bool("marketingUpdates"),
		CreateTime:       parseTime(d.str("createTime")),
		UpdateTime:       parseTime(d.str("updateTime")),
		Version:          d.int("version"),
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	contacts := d.list("contacts")
	p.Contacts = make([]profile.Contact, 0, len(contacts))
	for _, c := range contacts {
		m, ok := c.(*types.AttributeValueMemberM)
		if !ok {
			d.fail("contacts", c)
			break
		}
		if removed(m.Value) {
			continue
		}
		contact, err := decodeContact(m.Value)
		if err != nil && d.err == nil {
			d.err = err
		}
		p.Contacts = append(p.Contacts, contact)
	}
	if d.err != nil {
		return nil, d.err
	}
	return p, nil
}

// removed reports whether an embedded contact is a tombstone (contactItem.Removed).
func removed(av map[string]types.AttributeValue) bool {
	b, ok := av["removed"].(*types.AttributeValueMemberBOOL)
	return ok && b.Value
}

// decodeContact reads a contact: an embedded one or its own item (the
// contactItem attributes either way).
func decodeContact(av map[string]types.AttributeValue) (profile.Contact, error) {
	d := decoder{av: av}
	c := profile.Contact{
		ID: d.str("contactId"), Key: d.str("key"), Value: d.str("value"), UUID: d.str("uuid"),
		Verified: d.bool("verified"), Version: d.int("version"),
		CreateTime: parseTime(d.str("createTime")), UpdateTime: parseTime(d.str("updateTime")),
	}
	return c, d.err
}

// decoder reads attributes of one item; a missing or NULL attribute is the
// zero value, as attributevalue.UnmarshalMap has it, and the first
// attribute of another type is the error.
type decoder struct {
	av  map[string]types.AttributeValue
	err error
}

func (d *decoder) fail(name string, v types.AttributeValue) {
	if d.err == nil {
		d.err = fmt.Errorf("dynamo: attribute %s has unexpected type %T", name, v)
	}
}

func (d *decoder) str(name string) string {
	switch v := d.av[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return ""
	case *types.AttributeValueMemberS:
		return v.Value
	default:
		d.fail(name, v)
		return ""
	}
}

func (d *decoder) bool(name string) bool {
	switch v := d.av[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return false
	case *types.AttributeValueMemberBOOL:
		return v.Value
	default:
		d.fail(name, v)
		return false
	}
}

func (d *decoder) int(name string) int64 {
	switch v := d.av[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return 0
	case *types.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil && d.err == nil {
			d.err = fmt.Errorf("dynamo: attribute %s: %w", name, err)
		}
		return n
	default:
		d.fail(name, v)
		return 0
	}
}

func (d *decoder) list(name string) []types.AttributeValue {
	switch v := d.av[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberL:
		return v.Value
	default:
		d.fail(name, v)
		return nil
	}
}

// strings reads a list of strings, or a string set.
func (d *decoder) strings(name string) []string {
	if ss, ok := d.av[name].(*types.AttributeValueMemberSS); ok {
		return ss.Value
	}
	l := d.list(name)
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, v := range l {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			d.fail(name, v)
			return nil
		}
		out[i] = s.Value
	}
	return out
}

// stringAttr is the item's string attribute name, "" when it has none.
func stringAttr(av map[string]types.AttributeValue, name string) string {
	if s, ok := av[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
