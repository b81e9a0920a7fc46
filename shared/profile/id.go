package profile

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"
)

// idProcess and idCounter make the last 8 bytes of an id, as in a MongoDB
// ObjectId (the shape of the reference's ids): 5 random bytes fixed per
// process and a 3-byte counter, so ids a process makes in one second
// still sort in creation order. They are drawn when the first id is made,
// not at cold start: most functions never make one.
var (
	idProcess [5]byte
	idCounter atomic.Uint32
	idSeed    sync.Once
)

func seedIDs() {
	var seed [4]byte
	_, _ = rand.Read(idProcess[:])
	_, _ = rand.Read(seed[:])
	idCounter.Store(binary.BigEndian.Uint32(seed[:]) & 0x7fffff)
}

// NewID returns a 24-hex-character id that starts with its creation time in
// seconds, so ids sort by creation time.
func NewID(now time.Time) string {
	idSeed.Do(seedIDs)
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	copy(b[4:9], idProcess[:])
	n := idCounter.Add(1)
	b[9], b[10], b[11] = byte(n>>16), byte(n>>8), byte(n)
	return hex.EncodeToString(b[:])
}

// ValidID reports whether s has the shape of an id: 24 lowercase hex characters.
func ValidID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
