package dynamo

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// ProfileFromStreamImage reads an item image of the table's stream as
// Lambda delivers it: the profile of a profile item, nil for no image or
// every other item (profileFromImage).
func ProfileFromStreamImage(image map[string]events.DynamoDBAttributeValue) (*profile.Profile, error) {
	if len(image) == 0 {
		return nil, nil
	}
	av, err := attributeValues(image)
	if err != nil {
		return nil, err
	}
	return profileFromImage(av)
}

// profileFromImage reads an item image of the table's stream: the profile
// of a profile item (type profile, SK PROFILE, with a profileId), decoded
// as a GET decodes it, or nil for every other item (contact items, markers,
// API keys, idempotency records, the fence of a create that never landed).
func profileFromImage(image map[string]types.AttributeValue) (*profile.Profile, error) {
	if stringAttr(image, "type") != "profile" || stringAttr(image, "SK") != profileSK || stringAttr(image, "profileId") == "" {
		return nil, nil
	}
	p, err := decodeProfile(image)
	if p != nil {
		p.Erasure = profile.ErasureReason(stringAttr(image, erasureAttr))
	}
	return p, err
}

// attributeValues converts an item image as Lambda delivers it into the
// SDK's attribute values, the form the store decodes.
func attributeValues(image map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(image))
	for name, v := range image {
		av, err := attributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		out[name] = av
	}
	return out, nil
}

func attributeValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		list := v.List()
		out := make([]types.AttributeValue, len(list))
		for i, e := range list {
			av, err := attributeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m, err := attributeValues(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown DynamoDB data type %d", v.DataType())
}
