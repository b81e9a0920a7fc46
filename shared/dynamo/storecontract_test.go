package dynamo_test

import (
	"testing"

	"github.com/profiles-service/profiles/local/storetest"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestStoreContract holds the DynamoDB store to the contract the in-memory
// store (local/memstore), on which the handler tests run, keeps too.
func TestStoreContract(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	storetest.Run(t, func(t *testing.T) profile.Store { return testenv.NewStack(t).Store })
}
