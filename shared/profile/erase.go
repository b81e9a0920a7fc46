package profile

import (
	"time"
)

// ErasureReason says why a profile was erased; the Profile Erased event
// carries it.
type ErasureReason string

// The reasons of an erasure.
const (
	ErasedOnRequest   ErasureReason = "request"   // POST /profiles/erasures: a data-subject request
	ErasedByUser      ErasureReason = "user"      // DELETE /api/me/profile: the user themself
	ErasedByDelete    ErasureReason = "delete"    // DELETE /profiles/{profileId}
	ErasedByRetention ErasureReason = "retention" // the retention job
)

// Subject names whose profiles an erasure request is about: exactly one
// of its fields is set.
type Subject struct {
	Email     Field[string]
	Phone     Field[string]
	UUID      Field[string]
	UserID    Field[string]
	ProfileID Field[string]
}

// subjectFields are the Subject's fields by their names in the API, in
// the order a 400 names them.
func (s *Subject) fields() []struct {
	name string
	f    *Field[string]
} {
	return []struct {
		name string
		f    *Field[string]
	}{{"email", &s.Email}, {"phone", &s.Phone}, {"uuid", &s.UUID}, {"userId", &s.UserID}, {"profileId", &s.ProfileID}}
}

// normalized checks that exactly one field is set, to a value of its
// kind, and brings an email address or a phone number to the form the
// contacts are stored in. None or several set is a ValidationError that
// names every field concerned.
func (s Subject) normalized() (Subject, error) {
	var v validator
	var set []string
	for _, f := range s.fields() {
		if f.f.Set && !f.f.Null {
			set = append(set, f.name)
		}
	}
	switch len(set) {
	case 0:
		for _, f := range s.fields() {
			v.add(f.name, "exactly one of email, phone, uuid, userId and profileId must be given")
		}
		return s, v.err()
	case 1:
	default:
		for _, name := range set {
			v.add(name, "exactly one of email, phone, uuid, userId and profileId must be given (got %d)", len(set))
		}
		return s, v.err()
	}
	// A null field counts as absent: only the one set field is kept.
	one := Subject{}
	switch set[0] {
	case "email":
		norm, ok := NormalizeEmail(s.Email.Value)
		if !ok {
			v.add("email", "must be an email address")
		}
		one.Email = Field[string]{Set: true, Value: norm}
	case "phone":
		norm, ok := NormalizePhone(s.Phone.Value)
		if !ok {
			v.add("phone", "must be a phone number: + and 8 to 15 digits")
		}
		one.Phone = Field[string]{Set: true, Value: norm}
	case "uuid":
		if s.UUID.Value == "" || len(s.UUID.Value) > MaxUUIDLen {
			v.add("uuid", "must be 1 to %d characters", MaxUUIDLen)
		}
		one.UUID = s.UUID
	case "userId":
		if s.UserID.Value == "" {
			v.add("userId", "must not be empty")
		}
		one.UserID = s.UserID
	case "profileId":
		if s.ProfileID.Value == "" {
			v.add("profileId", "must not be empty")
		}
		one.ProfileID = s.ProfileID
	}
	return one, v.err()
}

// Receipt is what an erasure request did.
type Receipt struct {
	// ErasedProfileIDs are the profiles this request erased (none when
	// they were erased before: an erasure is idempotent).
	ErasedProfileIDs []string
	ErasedAt         time.Time
	// Unreachable are the copies the erasure cannot reach, and when each
	// ages out.
	Unreachable []Unreachable
}

// Unreachable is a copy of a profile's data outside the table, which an
// erasure cannot delete.
type Unreachable struct {
	Copy   string // stream, events, logs, backups
	Detail string
	// AgesOutBy is when the copy is gone by itself; zero when that is not
	// the service's to say (a consumer's copy) or depends on the stack's
	// parameters (Detail says which).
	AgesOutBy time.Time
}

// StreamRetention is how long the table's stream keeps an item image.
const StreamRetention = 24 * time.Hour

// BackupRetention is how long point-in-time recovery keeps the table's
// past states (DynamoDB's maximum, template.yaml turns it on).
const BackupRetention = 35 * 24 * time.Hour

// ReceiptOf is the receipt of an erasure at at that erased ids: the ids,
// the time and the copies it could not reach. A replayed request answers
// it again from what its key's record kept.
func ReceiptOf(ids []string, at time.Time) Receipt {
	if ids == nil {
		ids = []string{}
	}
	return Receipt{ErasedProfileIDs: ids, ErasedAt: at, Unreachable: unreachableCopies(at)}
}

// unreachableCopies are the copies outside the table an erasure at at
// leaves (docs/design.md, "Erasure").
func unreachableCopies(at time.Time) []Unreachable {
	return []Unreachable{
		{Copy: "stream", AgesOutBy: at.Add(StreamRetention),
			Detail: "the table's stream keeps the images of the profile's changes for 24 hours; only PublishProfileEvents reads it"},
		{Copy: "events", Detail: "EventBridge consumers keep what earlier events carried; the Profile Erased event " +
			"published for each erased profile tells them to erase their copies"},
		{Copy: "logs", Detail: "the functions' logs mask personal values; CloudWatch keeps each line LogRetentionDays days " +
			"(a stack parameter, 30 by default)"},
		{Copy: "backups", AgesOutBy: at.Add(BackupRetention),
			Detail: "point-in-time recovery keeps the table's states of the last 35 days; a restore must be erased again"},
	}
}
