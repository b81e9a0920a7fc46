package iam

import (
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// dynamoNeeds are the permissions of a DynamoDB operation: its action on
// each table (or index) it touches. A transaction needs each item's own
// action (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions"),
// a batch its batch action on each table.
func dynamoNeeds(op string, input any) []Request {
	action := func(a string) string { return "dynamodb:" + a }
	switch in := input.(type) {
	case *dynamodb.QueryInput:
		return []Request{{action(op), indexARN(aws.ToString(in.TableName), aws.ToString(in.IndexName))}}
	case *dynamodb.ScanInput:
		return []Request{{action(op), indexARN(aws.ToString(in.TableName), aws.ToString(in.IndexName))}}
	case *dynamodb.GetItemInput:
		return []Request{{action(op), TableARN(aws.ToString(in.TableName))}}
	case *dynamodb.PutItemInput:
		return []Request{{action(op), TableARN(aws.ToString(in.TableName))}}
	case *dynamodb.UpdateItemInput:
		return []Request{{action(op), TableARN(aws.ToString(in.TableName))}}
	case *dynamodb.DeleteItemInput:
		return []Request{{action(op), TableARN(aws.ToString(in.TableName))}}
	case *dynamodb.BatchGetItemInput:
		var out []Request
		for t := range in.RequestItems {
			out = append(out, Request{action(op), TableARN(t)})
		}
		return out
	case *dynamodb.BatchWriteItemInput:
		var out []Request
		for t := range in.RequestItems {
			out = append(out, Request{action(op), TableARN(t)})
		}
		return out
	case *dynamodb.TransactWriteItemsInput:
		var out []Request
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				out = append(out, Request{action("PutItem"), TableARN(aws.ToString(it.Put.TableName))})
			case it.Update != nil:
				out = append(out, Request{action("UpdateItem"), TableARN(aws.ToString(it.Update.TableName))})
			case it.Delete != nil:
				out = append(out, Request{action("DeleteItem"), TableARN(aws.ToString(it.Delete.TableName))})
			case it.ConditionCheck != nil:
				out = append(out, Request{action("ConditionCheckItem"), TableARN(aws.ToString(it.ConditionCheck.TableName))})
			}
		}
		return out
	case *dynamodb.TransactGetItemsInput:
		var out []Request
		for _, it := range in.TransactItems {
			if it.Get != nil {
				out = append(out, Request{action("GetItem"), TableARN(aws.ToString(it.Get.TableName))})
			}
		}
		return out
	case *dynamodb.DescribeTableInput:
		return []Request{{action(op), TableARN(aws.ToString(in.TableName))}}
	}
	// Any other operation: its own action on the account's tables.
	return []Request{{action(op), "arn:aws:dynamodb:" + Region + ":" + Account + ":table/*"}}
}

// indexARN is the ARN a Query or Scan needs: the table's, or its index's.
func indexARN(table, index string) string {
	if index == "" {
		return TableARN(table)
	}
	return TableARN(table) + "/index/" + index
}

// eventBridgeNeeds: PutEvents needs events:PutEvents on each entry's bus
// (EventBusName, a name or an ARN; the account's default bus when empty).
// The entries are read by reflection, so this package need not link the
// EventBridge client.
func eventBridgeNeeds(op string, input any) []Request {
	var out []Request
	seen := map[string]bool{}
	if v := reflect.Indirect(reflect.ValueOf(input)); v.Kind() == reflect.Struct {
		if entries := v.FieldByName("Entries"); entries.Kind() == reflect.Slice {
			for i := range entries.Len() {
				bus := ""
				if f := entries.Index(i).FieldByName("EventBusName"); f.Kind() == reflect.Pointer && !f.IsNil() {
					bus = f.Elem().String()
				}
				if arn := busARN(bus); !seen[arn] {
					seen[arn] = true
					out = append(out, Request{"events:" + op, arn})
				}
			}
		}
	}
	if len(out) == 0 {
		out = append(out, Request{"events:" + op, busARN("")})
	}
	return out
}

// busARN is the ARN of an event bus of this account and region, given its
// name or ARN ("" is the default bus).
func busARN(nameOrARN string) string {
	switch {
	case strings.HasPrefix(nameOrARN, "arn:"):
		return nameOrARN
	case nameOrARN == "":
		nameOrARN = "default"
	}
	return "arn:aws:events:" + Region + ":" + Account + ":event-bus/" + nameOrARN
}
