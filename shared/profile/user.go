package profile

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
	"unicode/utf8"
)

// MaxUserIDLen bounds a userId (a token subject) in bytes.
const MaxUserIDLen = 255

// UserChanges are the fields an end user may set on their own profile
// (POST /api/me/profile/update).
type UserChanges struct {
	GivenName        Field[string]
	FamilyName       Field[string]
	FeatureUpdates   Field[bool]
	MarketingUpdates Field[bool]
	Email            Field[string]
}

// Empty reports whether no field is set.
func (c UserChanges) Empty() bool {
	return !(c.GivenName.Set || c.FamilyName.Set || c.FeatureUpdates.Set || c.MarketingUpdates.Set || c.Email.Set)
}

// RequireAny is the error of an update that sets no field (the reference:
// "At least one field must be provided"), nil otherwise.
func (c UserChanges) RequireAny() error {
	if c.Empty() {
		return Invalid("body", "must set at least one of givenName, familyName, featureUpdates, marketingUpdates, email")
	}
	return nil
}

// profileChanges are the profile fields the user's changes map to.
func (c UserChanges) profileChanges() Changes {
	return Changes{FirstName: c.GivenName, LastName: c.FamilyName,
		FeatureUpdates: c.FeatureUpdates, MarketingUpdates: c.MarketingUpdates}
}

// NewForUser is a new enabled profile linked to the user, with the user's changes.
func NewForUser(userID string, c UserChanges, now time.Time) (*Profile, error) {
	if err := c.RequireAny(); err != nil {
		return nil, err
	}
	if len(userID) > MaxUserIDLen || !utf8.ValidString(userID) {
		return nil, Invalid("userId", "the token's subject must be valid UTF-8 of at most %d bytes", MaxUserIDLen)
	}
	p, err := New(Input{}, now)
	if err != nil {
		return nil, err
	}
	p.ID, p.UserID = UserProfileID(userID), userID
	if err := p.ApplyUser(c, now); err != nil {
		return nil, err
	}
	return p, nil
}

// UserProfileID is the id of the profile a user's first update creates:
// derived from the user id, so the user's profile is read by key, in one
// read. 96 bits of SHA-256 of the user id, in the shape of every id.
func UserProfileID(userID string) string {
	sum := sha256.Sum256([]byte("user:" + userID))
	return hex.EncodeToString(sum[:12])
}

// userFieldNames are the user view's names of the profile fields it writes.
var userFieldNames = map[string]string{"firstName": "givenName", "lastName": "familyName"}

// ApplyUser applies an end user's update. An email that differs from the
// primary email (compared normalised) replaces its value and clears its
// verification; the same email leaves it as it is.
func (p *Profile) ApplyUser(c UserChanges, now time.Time) error {
	if err := c.RequireAny(); err != nil {
		return err
	}
	next := p.Clone()
	v := &validator{}
	applyProfile(v, next, c.profileChanges())
	for i, e := range v.errs {
		if f, ok := userFieldNames[e.Field]; ok {
			v.errs[i].Field = f
		}
	}
	var email string
	if c.Email.Set {
		norm, ok := NormalizeEmail(c.Email.Value)
		switch {
		case c.Email.Null:
			v.add("email", "must be an email address, not null")
		case !ok:
			v.add("email", "must be a valid email address")
		default:
			email = norm
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if email != "" {
		if err := next.setPrimaryEmail(email, now); err != nil {
			return err
		}
	}
	next.touch(now)
	*p = *next
	return nil
}

func (p *Profile) setPrimaryEmail(email string, now time.Time) error {
	primary := p.Primary(KeyEmail)
	switch {
	case primary == nil:
		_, err := p.AddContact(ContactChanges{Key: Field[string]{Set: true, Value: KeyEmail}, Value: Field[string]{Set: true, Value: email}}, now)
		return err
	case SameContactValue(KeyEmail, primary.Value, email):
		return nil
	}
	if other := p.findValue(KeyEmail, email); other != nil {
		// The address is already another contact of this profile: drop that
		// copy so the primary keeps the value once.
		if err := p.RemoveContact(other.ID); err != nil {
			return err
		}
		primary = p.Primary(KeyEmail)
	}
	primary.Value, primary.Verified, primary.Version = email, false, primary.Version+1
	if primary.UpdateTime.Before(now) {
		primary.UpdateTime = now
	}
	return nil
}

// UserView is the profile as its end user sees it.
type UserView struct {
	UserID           string
	GivenName        string
	FamilyName       string
	FeatureUpdates   bool
	MarketingUpdates bool
	Email            string
	EmailVerified    bool
	PhoneNumber      string
	PhoneVerified    bool
}

// User returns the end user's view of the profile.
func (p *Profile) User() UserView {
	u := UserView{UserID: p.UserID, GivenName: p.FirstName, FamilyName: p.LastName,
		FeatureUpdates: p.FeatureUpdates, MarketingUpdates: p.MarketingUpdates}
	if e := p.Primary(KeyEmail); e != nil {
		u.Email, u.EmailVerified = e.Value, e.Verified
	}
	if ph := p.Primary(KeyPhone); ph != nil {
		u.PhoneNumber, u.PhoneVerified = ph.Value, ph.Verified
	}
	return u
}
