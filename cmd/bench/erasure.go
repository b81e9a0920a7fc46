package main

import (
	"context"
	"fmt"
	"time"

	"github.com/profiles-service/profiles/client"
)

// erasureTarget is issue 28's: an erasure request for a profile with 50
// contacts answers within a second at p99 on the local stack.
const erasureTarget = time.Second

// erasures measures POST /profiles/erasures by email, one request at a
// time, each erasing a fresh profile of 50 contacts (created first, not
// timed): the request reads the byContact index, the profile's partition,
// then marks and removes it (about 53 items in its last transaction).
func erasures(ctx context.Context, e *env, rep *report, p *progress) error {
	n := max(2, min(e.o.samples, 50))
	if e.o.smoke {
		n = 2
	}
	p.logf("erasures: %d POST /profiles/erasures of a 50-contact profile", n)
	str := client.Value[string]
	var l latencies
	for i := range n {
		stamp := time.Now().UnixNano()
		contacts := make([]client.ContactInput, 50)
		for j := range contacts {
			contacts[j] = client.ContactInput{Key: str("email"), Value: str(fmt.Sprintf("erase%d-%d-%d@bench.example", stamp, i, j))}
		}
		email := fmt.Sprintf("erase%d-%d-7@bench.example", stamp, i)
		if _, err := e.large.client.CreateProfile(ctx, client.ProfileInput{FirstName: str("Erased"), Contacts: contacts}, noKey); err != nil {
			return fmt.Errorf("creating the profile to erase: %w", err)
		}
		start := time.Now()
		rc, err := e.large.client.EraseProfiles(ctx, client.ErasureSubject{Email: email}, noKey)
		if err != nil {
			return err
		}
		l = append(l, time.Since(start))
		if len(rc.ErasedProfileIDs) != 1 {
			return fmt.Errorf("the erasure erased %v, want one profile", rc.ErasedProfileIDs)
		}
	}
	rep.check("9 erasure", "POST /profiles/erasures by email, a profile of 50 contacts: p50 / p99", pair(l),
		"p99 ≤ "+ms(erasureTarget), l.p99() <= erasureTarget)
	return nil
}
