// Package auth holds partner API keys: their format, their stored form (a
// SHA-256 hash), their names and expiry, and the check the API-key
// authorizer makes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
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
	// ExpireTime is when the key stops working; zero for a key that does
	// not expire.
	ExpireTime time.Time
	// LastUsedDay is the last UTC day (DayOf) the authorizer accepted the
	// key, "" before its first use.
	LastUsedDay string
	Revoked     bool
}

// Expired reports whether the key has expired at now.
func (k APIKey) Expired(now time.Time) bool {
	return !k.ExpireTime.IsZero() && !now.Before(k.ExpireTime)
}

// Keys reads stored API keys and records their use: all the authorizer needs.
type Keys interface {
	// APIKey reads the key with the hash; ErrUnknownKey when there is none.
	APIKey(ctx context.Context, hash string) (APIKey, error)
	// MarkAPIKeyUsed records day as the key's last-used day unless that
	// day or a later one is recorded already, which is no error.
	MarkAPIKeyUsed(ctx context.Context, hash, day string) error
}

// ErrUnknownKey means no key has that hash, or that name.
var ErrUnknownKey = errors.New("unknown API key")

// ErrNameTaken means another key has the name: names are unique, so that a
// key can be listed and revoked by its name.
var ErrNameTaken = errors.New("an API key with that name exists")

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
		if !isBase64URL(c) {
			return false
		}
	}
	return true
}

func isBase64URL(c rune) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// NewAPIKey returns a random key (256 bits) to show once, and its record,
// which does not expire until its ExpireTime is set.
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

// DayOf is the last-used day of a use at t: its UTC date, which sorts as
// text.
func DayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// CheckAPIKey reports whether key is a known key, neither revoked nor
// expired at now, and its name. A key not WellFormed is refused without a
// read. The stored hash is compared with the key's in constant time.
//
// An accepted key whose last-used day is before now's is marked used:
// one conditional write per key per day, however many calls. Failing to
// mark it is logged and never refuses the key: the record is for the
// operator's listing, not for the decision.
func CheckAPIKey(ctx context.Context, keys Keys, key string, now time.Time) (string, bool, error) {
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
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash)) != 1 || k.Revoked || k.Expired(now) {
		return "", false, nil
	}
	if today := DayOf(now); k.LastUsedDay < today {
		if err := keys.MarkAPIKeyUsed(ctx, hash, today); err != nil {
			slog.WarnContext(ctx, "api key use not recorded", "apiKeyName", k.Name, "error", err.Error())
		}
	}
	return k.Name, true, nil
}
