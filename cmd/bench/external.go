package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/profiles-service/profiles/client"
)

// externalFlags are the flags that mean something in -base-url mode: the
// others size or shape the tables and the API the bench would start itself.
var externalFlags = []string{"base-url", "token", "mixed-duration", "small", "loaders", "timeout", "sections"}

// checkExternal holds -base-url to what it can do: the mixed section only,
// with a token, on an http(s) URL. set is the flags given on the command line.
func checkExternal(o *options, set map[string]bool) error {
	if o.baseURL == "" {
		if o.token != "" {
			return errors.New("-token is the bearer token for -base-url: give -base-url too")
		}
		return nil
	}
	u, err := url.Parse(o.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-base-url %q: want the API's http:// or https:// URL, like http://127.0.0.1:3000", o.baseURL)
	}
	o.baseURL = strings.TrimSuffix(o.baseURL, "/")
	if o.token == "" {
		return errors.New("-base-url needs -token: a bearer token that API accepts (make -s token in that checkout)")
	}
	for name := range set {
		if !slices.Contains(externalFlags, name) {
			return fmt.Errorf("-base-url runs only the mixed section, against that API: -%s does not apply", name)
		}
	}
	if o.sections != nil && !slices.Equal(o.sections, []string{"mixed"}) {
		return fmt.Errorf("-base-url runs only the mixed section, not -sections %s", strings.Join(o.sections, ","))
	}
	o.sections = []string{"mixed"}
	o.large = max(o.large, o.small) // no large table: any -small passes the size check
	return nil
}

// runExternal is the mixed section against the API already running at
// o.baseURL (another checkout's make run), so that two commits are measured
// with the same client: no table is created and no API started. It creates
// profiles there first when the API lists fewer than 100.
func runExternal(ctx context.Context, o options, stdout io.Writer, p *progress) error {
	start := time.Now()
	e := &env{o: o, token: o.token, http: newHTTPClient(mixedClients)}
	defer e.http.CloseIdleConnections()
	rep := &report{}
	rep.describeMachine("at start")
	rep.add(mixedSection, "the API measured (-base-url, started apart)", o.baseURL)
	if err := rep.flush(stdout); err != nil {
		return err
	}
	if err := seed(ctx, e, o.baseURL, p); err != nil {
		return fmt.Errorf("creating the profiles to read at %s: %w", o.baseURL, err)
	}
	// As in run, the budget covers the measured section only.
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.timeout, fmt.Errorf("the budget of the measured sections, %v (-timeout), ran out", o.timeout))
		defer cancel()
	}
	sectionStart := time.Now()
	if err := mixed(ctx, e, o.baseURL, rep, p); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		return fmt.Errorf("section mixed, after %v: %w", time.Since(sectionStart).Round(time.Second), err)
	}
	if err := rep.flush(stdout); err != nil {
		return err
	}
	rep.describeMachine("at end")
	if err := rep.flush(stdout); err != nil {
		return err
	}
	p.logf("done in %v", time.Since(start).Round(time.Second))
	return nil
}

// seed creates profiles with POST /profiles at base, o.loaders at a time,
// until it holds o.small, unless it lists 100 already (a stack seeded
// before, or holding data of its own). Half of them share one lastName, as
// the bench's own dataset does. Seeding is not measured: it retries
// (setupClient), each create under its own Idempotency-Key.
func seed(ctx context.Context, e *env, base string, p *progress) error {
	seeder := e.setupClient(base)
	ids, err := listIDs(ctx, seeder, 100)
	if err != nil {
		return err
	}
	if len(ids) >= 100 {
		p.logf("%s lists 100 profiles or more: creating none", base)
		return nil
	}
	n := e.o.small - len(ids)
	if n <= 0 {
		return nil
	}
	run := runID() // the contacts of each seeding run are new
	bar := p.bar(fmt.Sprintf("creating %d profiles at %s", n, base), "profiles", n)
	defer bar.done()
	return parallel(ctx, n, e.o.loaders, func(ctx context.Context, i int) error {
		key := fmt.Sprintf("seed-%s-%d", run, len(ids)+i)
		if _, err := seeder.CreateProfile(ctx, seedInput(run, len(ids)+i), &client.WriteOptions{IdempotencyKey: key}); err != nil {
			return err
		}
		bar.add(1)
		return nil
	})
}

// seedInput is the i-th seeded profile, shaped like dataset's: a first,
// middle and last name (every other one sharedLastName), a country, and
// an email and a phone contact.
func seedInput(run string, i int) client.ProfileInput {
	last := fmt.Sprintf("Last%07d", (i*7919)%1000003)
	if i%2 == 0 {
		last = sharedLastName
	}
	str := client.Value[string]
	return client.ProfileInput{FirstName: str(fmt.Sprintf("First%07d", i)), MiddleName: str(sharedMiddleName), LastName: str(last),
		Enabled: client.Value(true), CountryNumericCode: str("554"), Contacts: []client.ContactInput{
			{Key: str("email"), Value: str(fmt.Sprintf("seed-%s-%07d@bench.example", run, i))},
			{Key: str("phone"), Value: str(fmt.Sprintf("+6423%07d", i))},
		}}
}
