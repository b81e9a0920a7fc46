// Package profileevents turns the table's stream into profile change
// events and publishes them, in the order of each profile's changes: the
// PublishProfileEvents function. An event's schema is
// shared/api/events.schema.json.
package profileevents

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // G505: for UUID version 5 (RFC 9562), see eventID
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// The detail types of the events.
const (
	created = "Profile Created"
	updated = "Profile Updated"
	deleted = "Profile Deleted"
	erased  = "Profile Erased"
)

// Event is one committed change of a profile as the publisher puts it on
// the bus: the envelope fields EventBridge takes from the publisher, and
// the detail.
type Event struct {
	// ID is stable for the stream record the event comes from, so a
	// consumer de-duplicates redeliveries by it. EventBridge gives every
	// event an id of its own; this one also travels as detail.eventId.
	ID         string    `json:"id"`
	Source     string    `json:"source"`
	DetailType string    `json:"detail-type"`
	Time       time.Time `json:"time"`
	Detail     Detail    `json:"detail"`
}

// Detail is what changed.
type Detail struct {
	EventID   string `json:"eventId"`
	ProfileID string `json:"profileId"`
	// Version is the profile's version after the change, as its ETag
	// shows it; a delete, a change too, has the deleted version + 1.
	Version int64 `json:"version"`
	// ChangedFields are the public names of the fields whose values
	// differ: the Profile object's, then the user view's featureUpdates and
	// marketingUpdates, which the Profile object lacks. A create or a
	// delete changes every field the profile shows.
	ChangedFields []string `json:"changedFields,omitempty"`
	// Profile is the Profile object after the change, exactly as GET
	// /profiles/{profileId} returns it; absent after a delete.
	Profile json.RawMessage `json:"profile,omitempty"`
	// UserProfile is the user's view after the change, as GET
	// /api/me/profile returns it, for a profile linked to a user.
	UserProfile json.RawMessage `json:"userProfile,omitempty"`
	// UserID is the user a Profile Erased profile was linked to ("" for
	// none): a consumer keyed by user id finds its copies by it.
	UserID string `json:"userId,omitempty"`
	// Reason is why a profile was erased (Profile Erased only):
	// request, user, delete or retention.
	Reason string `json:"reason,omitempty"`
	// OccurredAt is when DynamoDB committed the change: the stream
	// record's ApproximateCreationDateTime, in the API's timestamp format.
	OccurredAt string `json:"occurredAt"`
}

// ImageDecoder reads an item image of the table's stream: the profile of a
// profile item, nil for no image or an item that is no profile. The store
// that writes the items knows their layout (dynamo.ProfileFromStreamImage);
// the events need only the profile.
type ImageDecoder func(image map[string]events.DynamoDBAttributeValue) (*profile.Profile, error)

// fromRecord is the event of one stream record, and false when the record
// makes none: a write of an item that is no profile, or of a profile that
// changed nothing the API shows (only its version, say).
func fromRecord(r events.DynamoDBEventRecord, source string, profileOf ImageDecoder) (Event, bool, error) {
	if r.Change.StreamViewType != string(events.DynamoDBStreamViewTypeNewAndOldImages) {
		return Event{}, false, fmt.Errorf("stream record %s has the view type %q: the table's stream must have NEW_AND_OLD_IMAGES",
			r.EventID, r.Change.StreamViewType)
	}
	before, err := profileOf(r.Change.OldImage)
	if err != nil {
		return Event{}, false, fmt.Errorf("stream record %s: old image: %w", r.EventID, err)
	}
	after, err := profileOf(r.Change.NewImage)
	if err != nil {
		return Event{}, false, fmt.Errorf("stream record %s: new image: %w", r.EventID, err)
	}
	d := Detail{EventID: eventID(r.EventID)}
	// DynamoDB gives the time rounded down to the second (StreamRecord,
	// ApproximateCreationDateTime, in the DynamoDB Streams API reference).
	at := r.Change.ApproximateCreationDateTime.UTC().Truncate(time.Second)
	d.OccurredAt = profile.FormatTime(at)
	var detailType string
	switch {
	case before == nil && after == nil:
		return Event{}, false, nil
	case after != nil && after.Erasure != "":
		// The mark that begins an erasure, or a write that landed on a
		// marked profile: the removal that follows is the event.
		return Event{}, false, nil
	case after == nil && before.Erasure != "":
		// The old image holds the profile as it was: the event takes its
		// id, its user id and the reason, and nothing else of it.
		d.ProfileID, d.UserID, d.Reason, d.Version = before.ID, before.UserID, string(before.Erasure), before.Version+1
		return Event{ID: d.EventID, Source: source, DetailType: erased, Time: at, Detail: d}, true, nil
	case before == nil:
		detailType, d.ProfileID, d.Version = created, after.ID, after.Version
	case after == nil:
		detailType, d.ProfileID, d.Version = deleted, before.ID, before.Version+1
	default:
		detailType, d.ProfileID, d.Version = updated, after.ID, after.Version
	}
	was, err := render(before)
	if err != nil {
		return Event{}, false, err
	}
	is, err := render(after)
	if err != nil {
		return Event{}, false, err
	}
	if d.ChangedFields, err = changedFields(was, is); err != nil {
		return Event{}, false, err
	}
	if len(d.ChangedFields) == 0 {
		return Event{}, false, nil
	}
	d.Profile, d.UserProfile = is.profile, is.user
	return Event{ID: d.EventID, Source: source, DetailType: detailType, Time: at, Detail: d}, true, nil
}

// rendered is a profile's public representations: the Profile object,
// and the user's view for a profile linked to a user; none for nil.
type rendered struct{ profile, user json.RawMessage }

func render(p *profile.Profile) (rendered, error) {
	var r rendered
	if p == nil {
		return r, nil
	}
	var err error
	if r.profile, err = json.Marshal(views.ProfileOf(p)); err != nil || p.UserID == "" {
		return r, err
	}
	r.user, err = json.Marshal(views.UserOf(p))
	return r, err
}

// userFields are the user view's fields the Profile object lacks: the email
// service follows marketing preferences through them.
var userFields = []string{"featureUpdates", "marketingUpdates"}

// changedFields compares the public representations of a profile before
// and after a change: the Profile object's top-level fields, in its order,
// then userFields of the user view.
func changedFields(before, after rendered) ([]string, error) {
	var changed []string
	for _, view := range []struct {
		before, after json.RawMessage
		only          []string // the fields compared; nil: every field, in order
	}{{before.profile, after.profile, nil}, {before.user, after.user, userFields}} {
		b, err := publicFields(view.before)
		if err != nil {
			return nil, err
		}
		a, err := publicFields(view.after)
		if err != nil {
			return nil, err
		}
		names := view.only
		if names == nil {
			if names = a.names; view.after == nil {
				names = b.names
			}
		}
		for _, name := range names {
			if !bytes.Equal(a.values[name], b.values[name]) {
				changed = append(changed, name)
			}
		}
	}
	return changed, nil
}

// fields are a JSON object's top-level members: their names in order, and
// their encoded values.
type fields struct {
	names  []string
	values map[string][]byte
}

// publicFields are the members of a JSON object; none for nil.
func publicFields(raw json.RawMessage) (fields, error) {
	f := fields{values: map[string][]byte{}}
	if raw == nil {
		return f, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return f, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return f, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return f, err
		}
		name := tok.(string)
		f.names = append(f.names, name)
		f.values[name] = v
	}
	return f, nil
}

// idNamespace is the namespace of the events' ids (a random UUID).
var idNamespace = [16]byte{0x3c, 0x0b, 0x6e, 0x51, 0x9f, 0x2d, 0x4a, 0x87, 0xb1, 0x4e, 0x0d, 0x6a, 0x52, 0xc9, 0x7f, 0x13}

// eventID is the event's id: the name-based UUID (version 5, RFC 9562) of
// the stream record's eventID, which DynamoDB makes globally unique, so
// every delivery of one record carries one id.
func eventID(recordID string) string {
	h := sha1.New() //nolint:gosec // G401: UUID version 5 is SHA-1 by definition (RFC 9562); no security rests on it
	h.Write(idNamespace[:])
	h.Write([]byte(recordID))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
