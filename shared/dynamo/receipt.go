package dynamo

import (
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
)

// receipt is an erasure's receipt as its Idempotency-Key's record keeps
// it: the ids it erased and when (epoch seconds).
type receipt struct {
	IDs []string `json:"ids"`
	At  int64    `json:"at"`
}

// receiptKey is the key a receipt is sealed under: derived from the
// caller-scoped Idempotency-Key, which the table never holds (the
// record's PK is another hash of it). Only a caller presenting the key
// opens it, and that caller was given the receipt in the first place; a
// reader of the table (or of a backup) finds no erased id in clear.
func receiptKey(idemKey string) []byte {
	sum := sha256.Sum256([]byte("profiles-service/erasure-receipt\x00" + idemKey))
	return sum[:]
}

// sealReceipt encrypts r with AES-256-GCM under the key's receiptKey: a
// random nonce, then the sealed JSON.
func sealReceipt(idemKey string, r receipt) ([]byte, error) {
	gcm, err := receiptCipher(idemKey)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := crand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, nil), nil
}

// openReceipt decrypts what sealReceipt sealed under the same key.
func openReceipt(idemKey string, sealed []byte) (receipt, error) {
	var r receipt
	gcm, err := receiptCipher(idemKey)
	if err != nil {
		return r, err
	}
	if len(sealed) < gcm.NonceSize() {
		return r, errors.New("an erasure receipt too short to open")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	if err != nil {
		return r, err
	}
	err = json.Unmarshal(plain, &r)
	return r, err
}

func receiptCipher(idemKey string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(receiptKey(idemKey))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
