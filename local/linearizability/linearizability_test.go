package linearizability

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/testenv"
)

// make test runs the checker with a fixed seed for a few seconds per fault
// mode; make linearizability passes -lin.seed=0 (a new seed, printed) and
// its own duration.
var (
	seedFlag     = flag.Uint64("lin.seed", 20260425, "the generator's seed; 0 draws a new one (printed)")
	durationFlag = flag.Duration("lin.duration", 2*time.Second, "how long the clients send requests, per fault mode")
	clientsFlag  = flag.Int("lin.clients", 8, "concurrent clients")
	slotsFlag    = flag.Int("lin.profiles", 3, "hot profiles (the hot mode: 1)")
	modesFlag    = flag.String("lin.modes", "", "the fault modes to run, comma-separated (default: all)")
	kindsFlag    = flag.String("lin.requests", "", `the only requests to send, comma-separated, e.g. "GET,PATCH" (default: all)`)
)

// kinds are the requests -lin.requests names.
func kinds(t *testing.T) []Kind {
	if *kindsFlag == "" {
		return nil
	}
	var out []Kind
	for _, name := range strings.Split(*kindsFlag, ",") {
		k := slices.Index(kindNames[:], strings.TrimSpace(name))
		if k < 0 {
			t.Fatalf("-lin.requests: %q is none of %q", name, kindNames)
		}
		out = append(out, Kind(k))
	}
	return out
}

// faultModes are the fault proxy's modes the checker runs under, each on
// a table of its own. Rates keep unknown outcomes (which Porcupine must
// place anywhere after their call) few enough to check in seconds.
var faultModes = []struct {
	name  string
	fault testenv.Fault
	rate  float64
	delay time.Duration
	// hot: every client on one profile (the most concurrent writes to
	// one profile a run can make), rather than -lin.profiles of them.
	hot     bool
	listers int // clients paging GET /profiles meanwhile
}{
	{name: "hot", fault: testenv.Pass, hot: true, listers: 1},
	// Each write's first answer is lost; the store resends it with its token.
	{name: "lost-answers", fault: testenv.LoseAnswers, rate: 1, delay: 1, listers: 1},
	// A few writes' first answers held past the 6 s deadline: the store
	// resends with the token and learns the outcome from the copy, so
	// these stay definite (unknown-outcomes is the mode that is not).
	{name: "slow-db", fault: testenv.SlowDB, rate: 0.05, delay: 7 * time.Second, listers: 1},
	{name: "conflicts", fault: testenv.Conflict, rate: 0.3, listers: 1},
	{name: "throttling", fault: testenv.ThrottleWrites, rate: 0.2, listers: 1},
	// A tenth of the writes land with no answer in time (every call of
	// their token held 2.5 s, past the store's wait for one call): truly
	// outcome-unknown, so the clients retry them with their keys, and the
	// key look-up that settles such a retry always fails.
	{name: "unknown-outcomes", fault: testenv.UnknownOutcomes, rate: 0.1, delay: 2500 * time.Millisecond, listers: 1},
	// Index reads see the table up to 10 s late (an extreme DynamoDB may
	// reach; a short lag rarely meets a scan in a few seconds).
	{name: "index-lag", fault: testenv.LagIndex, rate: 0.5, delay: 10 * time.Second, listers: 3},
}

// TestLinearizability runs random concurrent histories against the local
// API on DynamoDB Local under each fault mode, and checks that each is one
// the documented semantics allow, and that listings taken meanwhile keep
// docs/api.md's promises. A failure saves the history's visualisation
// under .local/linearizability and names the seed that replays it.
func TestLinearizability(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	seed := *seedFlag
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (make linearizability SEED=%d replays the same requests; their timing differs)", seed, seed)
	// The service logs every request: to a file, beside the visualisations.
	dir := filepath.Join(testenv.Root(t), ".local", "linearizability")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logs, err := os.Create(filepath.Join(dir, "service.log"))
	if err != nil {
		t.Fatal(err)
	}
	log.SetOutput(logs)
	t.Cleanup(func() { log.SetOutput(os.Stderr); _ = logs.Close() })
	t.Logf("the service's log: %s", logs.Name())
	// One service for every mode, on one table (making a table with its
	// indexes takes seconds of a busy DynamoDB Local): the fault proxy
	// changes mode between runs, and each run has hot profiles of its own.
	cfg := testenv.Config(t)
	proxy := testenv.NewFaultProxy(t, cfg.Endpoint)
	// Short enough that a slow answer (slow-db) is past it; long enough
	// that a busy 2-core machine answers most requests in it.
	cfg.Endpoint, cfg.Budget.Timeout = proxy.URL, 6*time.Second
	began := time.Now()
	stack := testenv.NewStackWith(t, cfg)
	admin := testenv.Token(t, "admin", "profiles:read", "profiles:write")
	client := &http.Client{Timeout: 30 * time.Second}
	still := stillProfiles(t, &API{BaseURL: stack.URL, AdminToken: admin, Client: client}, 6)
	t.Logf("set up in %v", time.Since(began).Round(time.Millisecond))
	for i, m := range faultModes {
		if *modesFlag != "" && !strings.Contains(","+*modesFlag+",", ","+m.name+",") {
			continue
		}
		t.Run(m.name, func(t *testing.T) {
			api := &API{BaseURL: stack.URL, AdminToken: admin, Client: client}
			profiles := *slotsFlag
			if m.hot {
				profiles = 1
			}
			for slot := range profiles {
				user := fmt.Sprintf("%s-%d", m.name, slot)
				api.Users = append(api.Users, user)
				api.UserTokens = append(api.UserTokens, testenv.UserToken(t, user))
			}
			proxy.Set(m.fault, m.rate, m.delay)
			defer proxy.Set(testenv.Pass, 0, 0)
			lagged := proxy.Lagged()
			run(t, api, m.name+"-", seed+uint64(i), m.listers, still) //nolint:gosec // G115: i is a mode's index
			if m.fault == testenv.LagIndex {
				t.Logf("%d index entries answered a moment late", proxy.Lagged()-lagged)
			}
		})
	}
}

// run sends the generator's requests through api while listers page
// GET /profiles, then checks the history and the listings.
func run(t *testing.T, api *API, names string, seed uint64, listers int, still map[string]bool) {
	profiles := len(api.Users)

	ctx, cancel := context.WithCancel(context.Background())
	var scans sync.WaitGroup
	var brokenMu sync.Mutex
	var broken []string
	nScans := 0
	for lister := range listers {
		scans.Add(1)
		go func() {
			defer scans.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(1000+lister))) //nolint:gosec // G115: lister is a lister's number
			for ctx.Err() == nil {
				what, b := api.Scan(ctx, rng, still)
				brokenMu.Lock()
				nScans++
				for _, s := range b {
					broken = append(broken, what+": "+s)
				}
				brokenMu.Unlock()
			}
		}()
	}
	g := &Generator{Seed: seed, Clients: *clientsFlag, Slots: profiles, Duration: *durationFlag, Retries: 3, Kinds: kinds(t), Names: names}
	h := g.Run(context.Background(), api)
	cancel()
	scans.Wait()

	ops := h.Operations()
	start := time.Now()
	name := fmt.Sprintf("%s-seed%d", strings.ReplaceAll(t.Name(), "/", "-"), seed)
	res, err := Check(ops, 2*time.Minute, filepath.Join(testenv.Root(t), ".local", "linearizability"), name)
	t.Logf("%d requests (%s), %d listing scans; checked in %v: %s", len(ops), tally(ops), nScans, time.Since(start).Round(time.Millisecond), res.Verdict)
	if err != nil {
		t.Errorf("saving the visualisation: %v", err)
	}
	switch res.Verdict {
	case porcupine.Illegal:
		t.Errorf("the history is not linearizable: no order of its requests gives every answer they got from the model of docs/api.md.\n%s"+
			"  visualisation: %s\n  replay: make linearizability SEED=%d MODES=%s", res.Explanation, res.Path, seed, modeOf(t))
	case porcupine.Unknown:
		t.Errorf("the check ran out of time; visualisation of what it saw: %s", res.Path)
	}
	for _, e := range ServerErrors(h) {
		t.Errorf("an answer the service never gives: %s", e)
	}
	for _, b := range broken {
		t.Errorf("listing: %s", b)
	}
}

// stillProfiles creates n profiles that nothing changes while the clients
// run: each listing scan must show each of them exactly once.
func stillProfiles(t *testing.T, api *API, n int) map[string]bool {
	t.Helper()
	still := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in := client.ProfileInput{FirstName: client.Value([]string{"Ann", "Bea", "Cy"}[i%3]), LastName: client.Value([]string{"Dee", "Eve"}[i%2]),
				MiddleName: client.Value([]string{"Cy", ""}[i%2]), Enabled: client.Value(i%2 == 0)}
			id, err := createStill(api, in, fmt.Sprintf("still-%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			still[id] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return still
}

// createStill creates a profile, resending the request with its key while
// the answer is a 503 (a busy machine's slow database): the client keeps
// the key across its retries, so a 503 whose write landed creates one.
func createStill(api *API, in client.ProfileInput, key string) (string, error) {
	c := client.New(api.BaseURL, client.WithBearerToken(api.AdminToken), client.WithHTTPClient(api.Client),
		client.WithRetry(6), client.WithBackoff(50*time.Millisecond, time.Second))
	p, err := c.CreateProfile(context.Background(), in, &client.WriteOptions{IdempotencyKey: key})
	if err != nil {
		return "", fmt.Errorf("creating a profile: %w", err)
	}
	return p.ProfileID, nil
}

func modeOf(t *testing.T) string { return t.Name()[strings.LastIndexByte(t.Name(), '/')+1:] }

// tally counts the requests of each kind.
func tally(ops []porcupine.Operation) string {
	n := map[Kind]int{}
	unknown := 0
	for _, op := range ops {
		n[op.Input.(Input).Kind]++
		if op.Output.(Output).Unknown {
			unknown++
		}
	}
	var parts []string
	for k := GetProfile; k <= GetUser; k++ {
		parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; %d of unknown outcome", unknown)
}
