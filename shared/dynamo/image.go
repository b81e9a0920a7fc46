package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// ProfileFromImage reads an item image of the table's stream: the profile
// of a profile item (type profile, SK PROFILE, with a profileId), decoded
// as a GET decodes it, or nil for every other item (contact items, markers,
// API keys, idempotency records, the fence of a create that never landed).
func ProfileFromImage(image map[string]types.AttributeValue) (*profile.Profile, error) {
	if stringAttr(image, "type") != "profile" || stringAttr(image, "SK") != profileSK || stringAttr(image, "profileId") == "" {
		return nil, nil
	}
	return decodeProfile(image)
}
