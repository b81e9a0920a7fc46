package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient builds the DynamoDB client from the function's AWS
// configuration, once per process. endpoint, when set, is DynamoDB Local's
// URL (DYNAMODB_ENDPOINT); without it the SDK resolves the endpoint itself,
// honouring AWS_ENDPOINT_URL_DYNAMODB. local is local mode. Every call
// asks for its consumed capacity and is recorded in the invocation's
// metrics (capacity.go).
func NewClient(cfg aws.Config, endpoint string, local bool) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, addCapacityMiddleware)
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if local {
			// DynamoDB Local's error responses carry CRC32 headers that do not
			// match their bodies; only AWS's are checked.
			o.DisableValidateResponseChecksum = true
		}
	})
}
