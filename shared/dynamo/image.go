package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// ProfileFromImage reads an item image of the table's stream. It reports
// whether the item is a profile item (type profile, SK PROFILE, with a
// profileId), and if so returns its profile, decoded as a GET decodes it.
// Every other item (contact items, markers, API keys, idempotency records,
// the fence of a create that never landed) is no profile, and no error.
func ProfileFromImage(image map[string]types.AttributeValue) (*profile.Profile, bool, error) {
	if stringAttr(image, "type") != "profile" || stringAttr(image, "SK") != profileSK || stringAttr(image, "profileId") == "" {
		return nil, false, nil
	}
	p, err := decodeProfile(image)
	if err != nil {
		return nil, true, err
	}
	return p, true, nil
}
