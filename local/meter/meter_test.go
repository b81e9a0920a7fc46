package meter

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestAskCapacityAndConsumed(t *testing.T) {
	in := &dynamodb.TransactWriteItemsInput{}
	first := clone(in).(*dynamodb.TransactWriteItemsInput)
	askCapacity(in)
	if in.ReturnConsumedCapacity != types.ReturnConsumedCapacityTotal || first.ReturnConsumedCapacity != "" {
		t.Errorf("askCapacity: %q, the clone %q", in.ReturnConsumedCapacity, first.ReturnConsumedCapacity)
	}
	askCapacity(&dynamodb.DescribeTableInput{}) // no such field: nothing happens
	for _, tc := range []struct {
		op          string
		out         any
		read, write float64
	}{
		{"GetItem", &dynamodb.GetItemOutput{ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: aws.Float64(0.5)}}, 0.5, 0},
		{"BatchGetItem", &dynamodb.BatchGetItemOutput{ConsumedCapacity: []types.ConsumedCapacity{{CapacityUnits: aws.Float64(1)}, {CapacityUnits: aws.Float64(2)}}}, 3, 0},
		{"TransactWriteItems", &dynamodb.TransactWriteItemsOutput{ConsumedCapacity: []types.ConsumedCapacity{{CapacityUnits: aws.Float64(6)}}}, 0, 6},
		{"PutItem", &dynamodb.PutItemOutput{}, 0, 0},
		{"DescribeTable", &dynamodb.DescribeTableOutput{}, 0, 0},
	} {
		if r, w := consumed(tc.op, tc.out); r != tc.read || w != tc.write {
			t.Errorf("%s: consumed %v, %v; want %v, %v", tc.op, r, w, tc.read, tc.write)
		}
	}
}
