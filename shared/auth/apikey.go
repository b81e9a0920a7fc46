// Package auth holds partner API keys: their format, their stored form (a
// SHA-256 hash) and the check the API-key authorizer makes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// apiKeyPrefix marks the service's keys so they are recognisable in a leak scan.
const apiKeyPrefix = "pk_"

// APIKey is a partner's key as stored: only its SHA-256 hash, never the key.
type APIKey struct {
	Hash       string
	Name       string
	CreateTime time.Time
	Revoked    bool
}

// Keys reads stored API keys: all the authorizer needs.
type Keys interface {
	// APIKey reads the key with the hash; ErrUnknownKey when there is none.
	APIKey(ctx context.Context, hash string) (APIKey, error)
}

// ErrUnknownKey means no key has that hash.
var ErrUnknownKey = errors.New("unknown API key")

// keyLen is the length of a key: the prefix and 32 bytes in unpadded
// base64url (43 characters).
const keyLen = len(apiKeyPrefix) + 43

// WellFormed reports whether key has the shape of the keys NewAPIKey
// issues: the authorizer refuses any other before reading the table, so
// random keys cost no read.
func WellFormed(key string) bool {
	if len(key) != keyLen || key[:len(apiKeyPrefix)] != apiKeyPrefix {
		return false
	}
	for _, c := range key[len(apiKeyPrefix):] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NewAPIKey returns a random key (256 bits) to show once, and its record.
func NewAPIKey(name string, now time.Time) (string, APIKey, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", APIKey{}, err
	}
	key := apiKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, APIKey{Hash: HashAPIKey(key), Name: name, CreateTime: now}, nil
}

// HashAPIKey is the stored form of a key: hex SHA-256.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(key)))
	return hex.EncodeToString(sum[:])
}

// CheckAPIKey reports whether key is a known, unrevoked key, and its name.
// A key not WellFormed is refused without a read. The stored hash is
// compared with the key's in constant time.
func CheckAPIKey(ctx context.Context, keys Keys, key string) (string, bool, error) {
	if !WellFormed(key) {
		return "", false, nil
	}
	hash := HashAPIKey(key)
	k, err := keys.APIKey(ctx, hash)
	if errors.Is(err, ErrUnknownKey) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash)) != 1 || k.Revoked {
		return "", false, nil
	}
	return k.Name, true, nil
}
