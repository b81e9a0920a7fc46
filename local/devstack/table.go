package devstack

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// EnsureTable creates the table in describes (template.yaml's, see
// samtemplate.Table.CreateTableInput) and turns on TTL on ttlAttribute
// when it is set, unless a table of that name exists already. It reports
// whether it created one.
func EnsureTable(ctx context.Context, db *dynamodb.Client, in *dynamodb.CreateTableInput, ttlAttribute string) (bool, error) {
	name := aws.ToString(in.TableName)
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err == nil {
		return false, nil
	}
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return false, err
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			return false, nil
		}
		return false, err
	}
	if ttlAttribute != "" {
		_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &name,
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(ttlAttribute), Enabled: aws.Bool(true)}})
		if err != nil {
			return true, err
		}
	}
	return true, nil
}

// DeleteTable drops a table (test tables).
func DeleteTable(ctx context.Context, db *dynamodb.Client, name string) error {
	_, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &name})
	return err
}
