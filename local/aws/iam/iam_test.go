package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/profiles-service/profiles/local/samtemplate"
)

func TestPolicyEvaluation(t *testing.T) {
	table := TableARN("t1")
	p := Policy{Function: "Fn", Statements: []samtemplate.Statement{
		{Effect: "Allow", Actions: []string{"dynamodb:GetItem", "dynamodb:Query"}, Resources: []string{table}},
		{Effect: "Allow", Actions: []string{"dynamodb:Query"}, Resources: []string{table + "/index/by*"}},
		{Effect: "Allow", Actions: []string{"DynamoDB:Put*"}, Resources: []string{TableARN("t?")}},
		{Effect: "Deny", Actions: []string{"dynamodb:PutItem"}, Resources: []string{TableARN("t9")}},
	}}
	for _, tc := range []struct {
		req  Request
		want bool
	}{
		{Request{"dynamodb:GetItem", table}, true},
		{Request{"dynamodb:getitem", table}, true}, // actions are case-insensitive
		{Request{"dynamodb:GetItem", TableARN("t2")}, false},
		{Request{"dynamodb:GetItem", TableARN("T1")}, false}, // resources are not
		{Request{"dynamodb:Query", table + "/index/byName"}, true},
		{Request{"dynamodb:Query", table + "/index/other"}, false},
		{Request{"dynamodb:UpdateItem", table}, false},
		{Request{"dynamodb:PutItem", TableARN("t5")}, true},
		{Request{"dynamodb:PutItem", TableARN("t55")}, false},
		{Request{"dynamodb:PutItem", TableARN("t9")}, false}, // an explicit Deny wins
	} {
		if got := p.Allows(tc.req); got != tc.want {
			t.Errorf("Allows(%s) = %v, want %v", tc.req, got, tc.want)
		}
	}
}

func TestNeedsOfATransactionArePerItem(t *testing.T) {
	got := Needs(dynamodb.ServiceID, "TransactWriteItems", &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("a")}},
		{Update: &types.Update{TableName: aws.String("a")}},
		{Delete: &types.Delete{TableName: aws.String("b")}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("b")}},
	}})
	want := []Request{{"dynamodb:PutItem", TableARN("a")}, {"dynamodb:UpdateItem", TableARN("a")},
		{"dynamodb:DeleteItem", TableARN("b")}, {"dynamodb:ConditionCheckItem", TableARN("b")}}
	if !slices.Equal(got, want) {
		t.Errorf("Needs = %v, want %v", got, want)
	}
	if got := Needs(dynamodb.ServiceID, "Query", &dynamodb.QueryInput{TableName: aws.String("a"), IndexName: aws.String("byName")}); got[0].Resource != TableARN("a")+"/index/byName" {
		t.Errorf("a Query of an index needs %v", got)
	}
}

// TestMiddlewareRefusesAsAWSDoes: a call the policy does not allow fails
// before it is sent, with AWS's AccessDeniedException and message; both
// calls are recorded.
func TestMiddlewareRefusesAsAWSDoes(t *testing.T) {
	cfg := aws.Config{Region: Region, Credentials: aws.AnonymousCredentials{}}
	rec := NewRecorder()
	Install(&cfg, Policy{Function: "GetProfile", Statements: []samtemplate.Statement{
		{Effect: "Allow", Actions: []string{"dynamodb:GetItem"}, Resources: []string{TableARN("t1")}}}}, rec)
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String("http://127.0.0.1:1") })
	_, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("t1")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" ||
		!strings.Contains(apiErr.ErrorMessage(), "is not authorized to perform: dynamodb:UpdateItem on resource: "+TableARN("t1")+" because no identity-based policy allows the dynamodb:UpdateItem action") {
		t.Fatalf("UpdateItem: %v, want AccessDeniedException", err)
	}
	// An allowed call goes on (and fails to connect here).
	if _, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t1")}); errors.As(err, &apiErr) && apiErr.ErrorCode() == "AccessDeniedException" {
		t.Fatalf("GetItem refused: %v", err)
	}
	calls := rec.Calls("GetProfile")
	if allowed, ok := calls[Request{"dynamodb:UpdateItem", TableARN("t1")}]; !ok || allowed {
		t.Errorf("the refused call is not recorded as refused: %v", calls)
	}
	if allowed := calls[Request{"dynamodb:GetItem", TableARN("t1")}]; !allowed {
		t.Errorf("the allowed call is not recorded: %v", calls)
	}
}

func TestProblemsBothWays(t *testing.T) {
	rec := NewRecorder()
	rec.record("Fn", Request{"dynamodb:GetItem", TableARN("x")}, true)
	rec.record("Fn", Request{"dynamodb:UpdateItem", TableARN("x")}, false)
	got := Problems([]Policy{{Function: "Fn", Statements: []samtemplate.Statement{
		{Effect: "Allow", Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, Resources: []string{TableARN("*")}},
		{Effect: "Allow", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []string{"arn:aws:secretsmanager:*"}},
	}}}, rec)
	if len(got) != 2 || !strings.Contains(got[0], "Fn called dynamodb:UpdateItem") || !strings.Contains(got[1], "Fn may dynamodb:PutItem") {
		t.Errorf("Problems = %q", got)
	}
}
