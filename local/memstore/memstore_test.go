package memstore_test

import (
	"testing"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/local/storetest"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestStoreContract holds the in-memory store to the contract the
// DynamoDB store keeps (shared/dynamo's TestStoreContract).
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) profile.Store { return memstore.New() })
}
