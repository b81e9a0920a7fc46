package profile

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"math"
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
	binary.BigEndian.PutUint32(b[:4], idSeconds(now))
	copy(b[4:9], idProcess[:])
	// The counter's low 24 bits: bytes 1 to 3 of its big-endian form.
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], idCounter.Add(1))
	copy(b[9:], n[1:])
	return hex.EncodeToString(b[:])
}

// idSeconds is now in Unix seconds as 32 bits, held to 1970 to 2106 (a
// clamp, not a wrap, so ids keep sorting by creation time).
func idSeconds(now time.Time) uint32 {
	s := now.Unix()
	if s < 0 {
		return 0
	}
	if s > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(s)
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
