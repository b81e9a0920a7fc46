package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestIdempotencyRecordsAcrossTheUpgrade, on DynamoDB Local: the table
// holds a keyed hash of the request, never its plain SHA-256; and a record
// written before the upgrade (its requestHash a plain SHA-256) still
// replays a retry of its own request for the rest of its 24 hours, while
// another request with its key is the 422, as before.
func TestIdempotencyRecordsAcrossTheUpgrade(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	const body = `{"firstName":"Hash","contacts":[{"key":"email","value":"guess.me@example.com"}]}`
	plain := sha256.Sum256([]byte("POST /profiles\n" + body))
	sum := sha256.Sum256([]byte("admin\x00upgrade-key")) // the admin token's subject, the key
	pk := "IDEMPOTENCY#" + hex.EncodeToString(sum[:])

	var p Profile
	a.do("POST", "/profiles", body, "Idempotency-Key", "upgrade-key").expect(t, http.StatusCreated, &p)
	stored := recordHash(t, a, pk)
	if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, hex.EncodeToString(plain[:])) {
		t.Fatalf("the record holds %q, not a keyed hash", stored)
	}

	// The record as the previous version wrote it.
	if _, err := a.stack.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(a.stack.Config.TableName),
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "MARKER"}},
		UpdateExpression:          aws.String("SET requestHash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": &types.AttributeValueMemberS{Value: hex.EncodeToString(plain[:])}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, body string
		status     int
		replayed   bool
	}{
		{"the same request replays", body, http.StatusCreated, true},
		{"another request is refused", `{"firstName":"Other"}`, http.StatusUnprocessableEntity, false},
		{"the same request again", body, http.StatusCreated, true},
	} {
		r := a.do("POST", "/profiles", tt.body, "Idempotency-Key", "upgrade-key")
		if r.Status != tt.status || (r.Header.Get("Idempotent-Replayed") == "true") != tt.replayed {
			t.Errorf("%s: status %d, replayed %q: %s", tt.name, r.Status, r.Header.Get("Idempotent-Replayed"), r.Body)
		}
	}
	var all []Profile
	a.do("GET", "/profiles", nil).expect(t, http.StatusOK, &all)
	if len(all) != 1 || all[0].ProfileID != p.ProfileID {
		t.Errorf("the retries made profiles: %d", len(all))
	}
}

// recordHash is the requestHash of the idempotency item pk.
func recordHash(t *testing.T, a *api, pk string) string {
	t.Helper()
	out, err := a.stack.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(a.stack.Config.TableName), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "MARKER"}},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("no record %s: %v", pk, err)
	}
	h, _ := out.Item["requestHash"].(*types.AttributeValueMemberS)
	if h == nil {
		t.Fatalf("record without requestHash: %v", out.Item)
	}
	return h.Value
}
