package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

const (
	apiKeyPrefix = "APIKEY#"
	// apiKeyNamesPK is the partition of the keys' names: one item per
	// name, so names are unique (a conditional put) and listing the keys is
	// one Query, never a Scan (docs/design.md, "Partner keys").
	apiKeyNamesPK    = "APIKEYS"
	apiKeyNamePrefix = "NAME#"
	sha256HexLen     = 64
)

// apiKeyItem is an API key's record: PK=APIKEY#<sha256 hex>. It holds all
// the authorizer reads, and the last-used day it writes.
type apiKeyItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Type        string `dynamodbav:"type"`
	Hash        string `dynamodbav:"hash"`
	Name        string `dynamodbav:"name"`
	CreateTime  string `dynamodbav:"createTime"`
	ExpireTime  string `dynamodbav:"expireTime,omitempty"`
	LastUsedDay string `dynamodbav:"lastUsedDay,omitempty"`
	Revoked     bool   `dynamodbav:"revoked"`
}

// apiKeyNameItem is a key's name: PK=APIKEYS, SK=NAME#<name>, pointing at
// the key item by its hash. It changes never: what can change (revoked,
// the last-used day) lives on the key item only.
type apiKeyNameItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	Name string `dynamodbav:"name"`
	Hash string `dynamodbav:"hash"`
}

// PutAPIKey stores a new key's hash and its name in one transaction:
// auth.ErrNameTaken, and nothing written, when another key has the name.
func (s *Store) PutAPIKey(ctx context.Context, k auth.APIKey) error {
	if len(k.Hash) != sha256HexLen {
		return fmt.Errorf("API key %s: a hash of %d characters, not the %d of hex SHA-256", k.Name, len(k.Hash), sha256HexLen)
	}
	it := apiKeyItem{PK: apiKeyPrefix + k.Hash, SK: markerSK, Type: "apikey",
		Hash: k.Hash, Name: k.Name, CreateTime: profile.FormatTime(k.CreateTime), Revoked: k.Revoked}
	if !k.ExpireTime.IsZero() {
		it.ExpireTime = profile.FormatTime(k.ExpireTime)
	}
	keyItem, err := attributevalue.MarshalMap(it)
	if err != nil {
		return err
	}
	nameItem, err := attributevalue.MarshalMap(apiKeyNameItem{PK: apiKeyNamesPK, SK: apiKeyNamePrefix + k.Name, Type: "apikeyname", Name: k.Name, Hash: k.Hash})
	if err != nil {
		return err
	}
	absent := aws.String("attribute_not_exists(PK)")
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &s.table, Item: keyItem, ConditionExpression: absent}},
			{Put: &types.Put{TableName: &s.table, Item: nameItem, ConditionExpression: absent}},
		},
		// The key's hash is random: an SDK retry of a transaction that
		// applied is answered as a success, not as a taken name. The token
		// names the table too: DynamoDB scopes tokens to the account, so
		// one key put on two tables must not look like one request.
		ClientRequestToken: aws.String(apiKeyToken(s.table, k)),
	})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) == 2 {
		if aws.ToString(tce.CancellationReasons[1].Code) == "ConditionalCheckFailed" {
			return auth.ErrNameTaken
		}
		if aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			return errors.New("an API key with that hash exists")
		}
	}
	return classify(err)
}

// apiKeyToken is the ClientRequestToken of putting k on table: 36 hex
// characters of a hash of both.
func apiKeyToken(table string, k auth.APIKey) string {
	sum := sha256.Sum256([]byte(table + "\x00" + k.Hash + "\x00" + k.Name))
	return hex.EncodeToString(sum[:])[:36]
}

// APIKey reads the key with the hash.
func (s *Store) APIKey(ctx context.Context, hash string) (auth.APIKey, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(apiKeyPrefix+hash, markerSK), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return auth.APIKey{}, classify(err)
	}
	if out.Item == nil {
		return auth.APIKey{}, auth.ErrUnknownKey
	}
	return decodeAPIKey(out.Item)
}

func decodeAPIKey(item map[string]types.AttributeValue) (auth.APIKey, error) {
	var it apiKeyItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return auth.APIKey{}, err
	}
	k := auth.APIKey{Hash: it.Hash, Name: it.Name, CreateTime: parseTime(it.CreateTime), LastUsedDay: it.LastUsedDay, Revoked: it.Revoked}
	if it.ExpireTime != "" {
		t, err := profile.ParseTime(it.ExpireTime)
		if err != nil {
			// A key whose expiry cannot be read is refused, not taken for one that never expires.
			return auth.APIKey{}, fmt.Errorf("API key %s: expireTime: %w", it.Name, err)
		}
		k.ExpireTime = t
	}
	return k, nil
}

// MarkAPIKeyUsed records day as the key's last-used day, on the condition
// that the recorded day is earlier (or none): a second call the same day,
// or a late one after a later day, writes nothing and is no error.
func (s *Store) MarkAPIKeyUsed(ctx context.Context, hash, day string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: key(apiKeyPrefix+hash, markerSK),
		UpdateExpression:          aws.String("SET lastUsedDay = :today"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(lastUsedDay) OR lastUsedDay < :today)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":today": &types.AttributeValueMemberS{Value: day}}})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	return classify(err)
}

// RevokeAPIKey marks the key with the hash revoked.
func (s *Store) RevokeAPIKey(ctx context.Context, hash string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: key(apiKeyPrefix+hash, markerSK),
		UpdateExpression:          aws.String("SET revoked = :t"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}}})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return auth.ErrUnknownKey
	}
	return classify(err)
}

// RevokeAPIKeyByName marks the key with the name revoked; auth.ErrUnknownKey
// when no key has it.
func (s *Store) RevokeAPIKeyByName(ctx context.Context, name string) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table,
		Key: key(apiKeyNamesPK, apiKeyNamePrefix+name), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return classify(err)
	}
	if out.Item == nil {
		return auth.ErrUnknownKey
	}
	var n apiKeyNameItem
	if err := attributevalue.UnmarshalMap(out.Item, &n); err != nil {
		return err
	}
	return s.RevokeAPIKey(ctx, n.Hash)
}

// APIKeys lists the keys that have a name item, by name: one Query of the
// names' partition, then their key items by hash (BatchGetItem), so the
// listing shows what the authorizer reads. Keys created before names were
// stored (before 3.0.0) have no name item and are not listed.
func (s *Store) APIKeys(ctx context.Context) ([]auth.APIKey, error) {
	var hashes []string
	in := &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :name)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: apiKeyNamesPK}, ":name": &types.AttributeValueMemberS{Value: apiKeyNamePrefix}}}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(err)
		}
		for _, raw := range out.Items {
			var n apiKeyNameItem
			if err := attributevalue.UnmarshalMap(raw, &n); err != nil {
				return nil, err
			}
			hashes = append(hashes, n.Hash)
		}
		if in.ExclusiveStartKey = out.LastEvaluatedKey; len(in.ExclusiveStartKey) == 0 {
			break
		}
	}
	keys, err := s.apiKeysByHash(ctx, hashes)
	if err != nil {
		return nil, err
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys, nil
}

// apiKeysByHash reads the key items of hashes (distinct), strongly
// consistent (batchGetItems).
func (s *Store) apiKeysByHash(ctx context.Context, hashes []string) ([]auth.APIKey, error) {
	items := make([]map[string]types.AttributeValue, len(hashes))
	for i, h := range hashes {
		items[i] = key(apiKeyPrefix+h, markerSK)
	}
	raws, err := s.batchGetItems(ctx, types.KeysAndAttributes{ConsistentRead: aws.Bool(true)}, items)
	if err != nil {
		return nil, err
	}
	keys := make([]auth.APIKey, 0, len(raws))
	for _, raw := range raws {
		k, err := decodeAPIKey(raw)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}
