package retention_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/retention"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var now = time.Now().UTC().Truncate(time.Second)

// put writes a profile last updated age ago, with a contact and markers.
func put(t *testing.T, s *dynamo.Store, name string, enabled bool, age time.Duration) string {
	t.Helper()
	at := now.Add(-age)
	p := &profile.Profile{
		ID: profile.NewID(at), FirstName: name, Enabled: enabled, Tags: []string{},
		UUID: "uuid-" + name, UserID: "user-" + name, CreateTime: at, UpdateTime: at, Version: 3,
		Contacts: []profile.Contact{{ID: profile.NewID(at), Key: "email", Value: name + "@example.com", CreateTime: at, UpdateTime: at, Version: 1}},
	}
	if err := s.Create(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func setup(t *testing.T) (*testenv.Stack, *dynamo.Store) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	st := testenv.NewStack(t)
	return st, st.Store
}

// remaining lists the names of the profiles left and counts all items.
func remaining(t *testing.T, st *testenv.Stack) (map[string]bool, int) {
	t.Helper()
	out, err := st.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(st.Config.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, it := range out.Items {
		var p struct {
			SK, FirstName string
		}
		_ = dynamoUnmarshal(it, &p)
		if p.SK == "PROFILE" {
			names[p.FirstName] = true
		}
	}
	return names, len(out.Items)
}

// beforeDelete is the store with a hook that runs before each delete: to
// change a profile, or to slow the job, while it runs.
type beforeDelete struct {
	*dynamo.Store
	hook func(id string)
}

func (b beforeDelete) Purge(ctx context.Context, d profile.Disabled, cutoff time.Time) error {
	b.hook(d.ID)
	return b.Store.Purge(ctx, d, cutoff)
}

// afterPurge is the store with a hook that runs after each purge.
type afterPurge struct {
	*dynamo.Store
	hook func()
}

func (a afterPurge) Purge(ctx context.Context, d profile.Disabled, cutoff time.Time) error {
	defer a.hook()
	return a.Store.Purge(ctx, d, cutoff)
}

func TestPurgeDeletesOnlyExpiredDisabledProfiles(t *testing.T) {
	t.Parallel()
	st, s := setup(t)
	year := 365 * 24 * time.Hour
	put(t, s, "expired1", false, year+48*time.Hour)
	put(t, s, "expired2", false, 3*year)
	put(t, s, "recent", false, 10*24*time.Hour)
	put(t, s, "enabledOld", true, 3*year)
	reenabled := put(t, s, "reenabled", false, 2*year)
	_, before := remaining(t, st)
	if before != 5*4 {
		t.Fatalf("%d items before the run, want 20 (profile, contact, uuid and user markers each)", before)
	}

	job := retention.Job{Store: s, Days: 365, Now: func() time.Time { return now }}
	dry := job.Run(context.Background(), true)
	if dry.Examined != 3 || dry.Deleted != 3 || !dry.Complete || !dry.DryRun {
		t.Errorf("dry run %+v", dry)
	}
	if _, n := remaining(t, st); n != before {
		t.Fatalf("dry run deleted items: %d left of %d", n, before)
	}

	// Re-enable one profile while the job runs: its delete must not apply.
	job.Store = beforeDelete{s, func(id string) {
		if id == reenabled {
			_, err := s.Update(context.Background(), id, profile.Precondition{}, func(p *profile.Profile) error {
				p.Enabled = true
				return nil
			}, nil)
			if err != nil {
				t.Error(err)
			}
		}
	}}
	sum := job.Run(context.Background(), false)
	if sum.Examined != 3 || sum.Deleted != 2 || sum.Skipped != 1 || sum.Errors != 0 || !sum.Complete {
		t.Errorf("run %+v", sum)
	}
	names, n := remaining(t, st)
	for name, want := range map[string]bool{"expired1": false, "expired2": false, "recent": true, "enabledOld": true, "reenabled": true} {
		if names[name] != want {
			t.Errorf("%s left: %v, want %v", name, names[name], want)
		}
	}
	if n != 3*4 {
		t.Errorf("%d items left, want 12: a deleted profile left contacts or markers", n)
	}
	if again := job.Run(context.Background(), false); again.Deleted != 0 || again.Examined != 0 || !again.Complete {
		t.Errorf("second run %+v", again)
	}
	if off := (retention.Job{Store: s, Days: 0}).Run(context.Background(), false); !off.Disabled || off.Deleted != 0 {
		t.Errorf("RETENTION_DAYS=0 run %+v", off)
	}
}

// TestPurgeKeepsAProfileWhoseContactChanged: a contact change does not
// move the profile's updateTime, yet it touches the profile: a disabled
// profile last updated years ago whose contact was added yesterday, or
// whose contact was removed yesterday, is not purged.
func TestPurgeKeepsAProfileWhoseContactChanged(t *testing.T) {
	t.Parallel()
	st, s := setup(t)
	years := 2 * 365 * 24 * time.Hour
	put(t, s, "untouched", false, years)
	added := put(t, s, "contactAdded", false, years)
	removed := put(t, s, "contactRemoved", false, years)
	yesterday := now.Add(-24 * time.Hour)
	ctx := context.Background()
	if _, err := s.Update(ctx, added, profile.Precondition{}, func(p *profile.Profile) error {
		_, err := p.AddContact(profile.ContactChanges{Key: profile.Field[string]{Set: true, Value: profile.KeyPhone}, Value: profile.Field[string]{Set: true, Value: "+14155550100"}}, yesterday)
		return err
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, removed, profile.Precondition{}, func(p *profile.Profile) error {
		return p.RemoveContact(p.Contacts[0].ID)
	}, nil); err != nil {
		t.Fatal(err)
	}
	job := retention.Job{Store: s, Days: 365, Now: func() time.Time { return now }}
	// Candidates are selected by what the delete is conditioned on: the
	// two touched profiles are not candidates, so no purge of them is
	// refused, and a dry run does not count them.
	if dry := job.Run(ctx, true); dry.Examined != 1 || dry.Deleted != 1 {
		t.Errorf("dry run %+v, want 1 examined and 1 that would be deleted (the untouched)", dry)
	}
	sum := job.Run(ctx, false)
	if sum.Examined != 1 || sum.Deleted != 1 || sum.Skipped != 0 || sum.Errors != 0 || !sum.Complete {
		t.Errorf("run %+v, want 1 examined and deleted (the untouched), none skipped", sum)
	}
	names, _ := remaining(t, st)
	for name, want := range map[string]bool{"untouched": false, "contactAdded": true, "contactRemoved": true} {
		if names[name] != want {
			t.Errorf("%s left: %v, want %v", name, names[name], want)
		}
	}
	if again := job.Run(ctx, false); again.Examined != 0 || again.Skipped != 0 || !again.Complete {
		t.Errorf("second run %+v, want nothing examined", again)
	}
}

// TestUnknownOutcomesLeaveTimeForTheSummary: every delete transaction's
// connection drops (its outcome is unknown, so the store sends it again
// with its token). Each purge has its own share of the run's time, and no
// purge starts without its share before the margin: the run still logs
// its summary, with the errors counted, at least half its margin before
// the deadline, rather than resending until the deadline (where Lambda
// would end it before its summary).
func TestUnknownOutcomesLeaveTimeForTheSummary(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	cfg := testenv.Config(t)
	st := testenv.NewStackWith(t, cfg)
	proxy := testenv.NewFaultProxy(t, cfg.Endpoint)
	faulty := dynamo.New(dynamo.NewClient(st.AWS, proxy.URL, true), cfg.TableName, cfg.ListShards)
	// Each purge resends until its share is nearly gone (about 0.7 s of
	// its 1 s at least, however fast the machine), so 10 of them cannot
	// fit in the 4.5 s before the margin: the run is incomplete at any speed.
	const candidates = 10
	for i := range candidates {
		put(t, st.Store, fmt.Sprintf("old%d", i), false, 800*24*time.Hour)
	}
	proxy.Set(testenv.ResetWrites, 1, 0)

	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&buf, nil)))
	defer slog.SetDefault(prev)
	const margin, share = 1500 * time.Millisecond, time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	sum := retention.Job{Store: faulty, Days: 365, Margin: margin, PurgeTimeout: share}.Run(ctx, false)
	left := time.Until(deadline)

	if left < margin/2 {
		t.Errorf("the run ended %v before its deadline, want at least %v (half its margin): its purges resent into the margin", left, margin/2)
	}
	if sum.Errors == 0 || sum.Deleted != 0 || sum.Complete {
		t.Errorf("summary %+v, want errors (unknown outcomes), nothing deleted, incomplete", sum)
	}
	if !strings.Contains(buf.String(), `"msg":"retention purge"`) {
		t.Errorf("no summary line logged: %s", buf.String())
	}
	proxy.Set(testenv.Pass, 0, 0)
	if names, _ := remaining(t, st); len(names) != candidates {
		t.Errorf("%d profiles left, want %d: a write that never reached DynamoDB deleted one", len(names), candidates)
	}
}

func TestPurgeStopsBeforeItsDeadlineAndTheNextRunFinishes(t *testing.T) {
	t.Parallel()
	st, s := setup(t)
	for i := range 30 {
		put(t, s, fmt.Sprintf("old%02d", i), false, 800*24*time.Hour)
	}
	// The run's time ends (its context is cancelled) right after its 10th
	// delete: it stops there, with no error, and the next run goes on.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deleted := 0
	stopping := retention.Job{Store: afterPurge{s, func() {
		if deleted++; deleted == 10 {
			cancel()
		}
	}}, Days: 365}
	first := stopping.Run(ctx, false)
	if first.Complete || first.Deleted != 10 || first.Errors != 0 {
		t.Fatalf("first run should stop after its 10th delete, without errors: %+v", first)
	}
	second := retention.Job{Store: s, Days: 365}.Run(context.Background(), false)
	if !second.Complete || first.Deleted+second.Deleted != 30 {
		t.Errorf("first %+v, second %+v: want 30 deleted in all", first, second)
	}
	if names, n := remaining(t, st); len(names) != 0 || n != 0 {
		t.Errorf("left: %v (%d items)", names, n)
	}
}

func TestHandlerLogsOneSummaryLine(t *testing.T) {
	_, s := setup(t)
	put(t, s, "old", false, 800*24*time.Hour)
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&buf, nil)))
	defer slog.SetDefault(prev)
	job := retention.Job{Store: s, Days: 365}
	sum, err := job.Handler(context.Background(), json.RawMessage(`{"dryRun": true}`))
	if err != nil || !sum.DryRun || sum.Deleted != 1 {
		t.Fatalf("dry-run handler: %+v %v", sum, err)
	}
	sum, err = job.Handler(context.Background(), json.RawMessage(`{"version":"0","detail-type":"Scheduled Event","source":"aws.events","detail":{}}`))
	if err != nil || sum.DryRun || sum.Deleted != 1 {
		t.Fatalf("scheduled handler: %+v %v", sum, err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per run, got %q", buf.String())
	}
	var line struct {
		Msg     string            `json:"msg"`
		Summary retention.Summary `json:"summary"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &line); err != nil || line.Msg != "retention purge" || line.Summary.Deleted != 1 || !line.Summary.Complete {
		t.Errorf("summary line %s (%v)", lines[1], err)
	}
}

func dynamoUnmarshal(item map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

// TestRunFinishesErasuresCutShort: a profile whose erasure stopped after
// its mark, and whose mark's deadline is past (its process died), is
// finished by the next run, enabled or disabled (long disabled or not):
// its partition is empty and its contact look-ups find nothing. A mark
// whose deadline is not past is an erasure still under way, left as it
// is; a dry run finishes nothing. RETENTION_DAYS=0, which turns the
// purge off, leaves the erasures on.
func TestRunFinishesErasuresCutShort(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	cfg := testenv.Config(t)
	st := testenv.NewStackWith(t, cfg)
	proxy := testenv.NewFaultProxy(t, cfg.Endpoint)
	// An erasing store whose clock is off by skew: its mark's deadline is
	// its 2 s budget from then.
	eraser := func(skew time.Duration) *dynamo.Store {
		return dynamo.New(dynamo.NewClient(st.AWS, proxy.URL, true), cfg.TableName, cfg.ListShards,
			dynamo.WithBudget(budget.Budget{Timeout: 2 * time.Second, Now: func() time.Time { return time.Now().Add(skew) }}))
	}
	s := st.Store
	cutEnabled := put(t, s, "cutShortEnabled", true, time.Hour)
	cutDisabled := put(t, s, "cutShortDisabled", false, time.Hour)
	underWay := put(t, s, "underWay", true, time.Hour)
	put(t, s, "bystander", true, time.Hour)
	proxy.CutShort(t, eraser(-time.Hour), cutEnabled)
	proxy.CutShort(t, eraser(-time.Hour), cutDisabled)
	proxy.CutShort(t, eraser(time.Hour), underWay)
	ctx := context.Background()
	_, before := remaining(t, st)

	// RETENTION_DAYS=0 turns the purge off, not the erasures.
	job := retention.Job{Store: s, Days: 0}
	if dry := job.Run(ctx, true); dry.Finished != 2 || dry.Deleted != 0 || dry.Errors != 0 || !dry.Complete || !dry.Disabled {
		t.Errorf("dry run %+v, want 2 erasures it would finish", dry)
	}
	if _, n := remaining(t, st); n != before {
		t.Fatalf("the dry run removed items: %d left of %d", n, before)
	}
	if sum := job.Run(ctx, false); sum.Finished != 2 || sum.Deleted != 0 || sum.Errors != 0 || !sum.Complete {
		t.Errorf("run %+v, want 2 erasures finished", sum)
	}
	names, _ := remaining(t, st)
	for name, want := range map[string]bool{"cutShortEnabled": false, "cutShortDisabled": false, "underWay": true, "bystander": true} {
		if names[name] != want {
			t.Errorf("%s left: %v, want %v", name, names[name], want)
		}
	}
	for name, id := range map[string]string{"cutShortEnabled": cutEnabled, "cutShortDisabled": cutDisabled} {
		if n := partitionItems(t, st, id); n != 0 {
			t.Errorf("%s: %d items left in its partition", name, n)
		}
		if ids, err := s.ProfileIDsByContact(ctx, profile.KeyEmail, name+"@example.com"); err != nil || len(ids) != 0 {
			t.Errorf("%s by its contact: %v, %v, want nothing", name, ids, err)
		}
	}
	if n := partitionItems(t, st, underWay); n != 2 {
		t.Errorf("the erasure under way: %d items in its partition, want its profile and contact", n)
	}
	if again := (retention.Job{Store: s, Days: 365}).Run(ctx, false); again.Finished != 0 || again.Errors != 0 || !again.Complete {
		t.Errorf("second run %+v, want nothing to finish", again)
	}
}

// partitionItems counts the items of the profile's partition.
func partitionItems(t *testing.T, st *testenv.Stack, id string) int {
	t.Helper()
	out, err := st.DB.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(st.Config.TableName),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "PROFILE#" + id}},
		ConsistentRead:            aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Items)
}
