package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/retention"
)

// fullProfile is a profile with every field set to a value no other test
// uses, 50 contacts, a user link and Idempotency-Key records of requests
// about it: everything an erasure must reach.
type fullProfile struct {
	id, userID, uuid string
	user             *api     // the user's own client
	values           []string // every value of it the table may hold
	emails, phones   []string
}

// newFullProfile makes one through the API: the user's keyed first update
// (which links the profile to the user), an admin PATCH setting every other
// field, and contacts up to 50, the first two keyed.
func newFullProfile(t *testing.T, a *api) *fullProfile {
	t.Helper()
	tag := fmt.Sprintf("%08x", rand.Uint32()) //nolint:gosec // a test's unique values
	digits := fmt.Sprintf("%06d", rand.IntN(1_000_000))
	f := &fullProfile{userID: "erase-user-" + tag, uuid: "erase-uuid-" + tag}
	f.user = a.as(t, testenv.UserToken(t, f.userID))
	f.emails = append(f.emails, "First."+tag+"@Erase.example")
	f.user.do("POST", "/api/me/profile/update",
		fmt.Sprintf(`{"givenName":"Given%s","familyName":"Family%s","marketingUpdates":true,"email":%q}`, tag, tag, f.emails[0]),
		"Idempotency-Key", "user-"+tag).expect(t, http.StatusOK, nil)
	f.id = profile.UserProfileID(f.userID)
	a.do("PATCH", "/profiles/"+f.id, fmt.Sprintf(`{"middleName":"Middle%s","uuid":%q,"tags":["tag%s"],"countryNumericCode":"554"}`, tag, f.uuid, tag)).
		expect(t, http.StatusOK, nil)
	for i := 1; i < 50; i++ {
		var body string
		if i%2 == 0 {
			f.emails = append(f.emails, fmt.Sprintf("c%d.%s@erase.example", i, tag))
			body = fmt.Sprintf(`{"key":"email","value":%q,"uuid":"cuuid-%d-%s"}`, f.emails[len(f.emails)-1], i, tag)
		} else {
			f.phones = append(f.phones, fmt.Sprintf("+64%s%04d", digits, i))
			body = fmt.Sprintf(`{"key":"phone","value":%q}`, f.phones[len(f.phones)-1])
		}
		var headers []string
		if i <= 2 {
			headers = []string{"Idempotency-Key", fmt.Sprintf("contact-%d-%s", i, tag)}
		}
		a.do("POST", "/profiles/"+f.id+"/contacts", body, headers...).expect(t, http.StatusCreated, nil)
	}
	var p Profile
	a.do("GET", "/profiles/"+f.id, nil).expect(t, http.StatusOK, &p)
	if len(p.Contacts) != 50 {
		t.Fatalf("the profile has %d contacts, want 50", len(p.Contacts))
	}
	f.values = []string{f.id, f.userID, f.uuid, "Given" + tag, "Family" + tag, "Middle" + tag, "tag" + tag}
	for _, c := range p.Contacts {
		f.values = append(f.values, c.ContactID, c.Value)
		if c.UUID != nil {
			f.values = append(f.values, *c.UUID)
		}
	}
	return f
}

// requireErased scans the whole table and every one of its indexes: no
// item may hold any of the values, in any attribute, keys included, in any
// case. A bystander's items are left to the caller to check.
func requireErased(t *testing.T, a *api, values []string) {
	t.Helper()
	ctx := context.Background()
	desc, err := a.stack.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(a.stack.Config.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	indexes := []string{""}
	for _, ix := range desc.Table.GlobalSecondaryIndexes {
		indexes = append(indexes, aws.ToString(ix.IndexName))
	}
	for _, index := range indexes {
		in := &dynamodb.ScanInput{TableName: aws.String(a.stack.Config.TableName)}
		if index == "" {
			in.ConsistentRead = aws.Bool(true)
		} else {
			in.IndexName = aws.String(index)
		}
		pages := dynamodb.NewScanPaginator(a.stack.DB, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range page.Items {
				var all strings.Builder
				for name, v := range item {
					all.WriteString(name + "=" + flattenValue(v) + "\n")
				}
				text := strings.ToLower(all.String())
				for _, v := range values {
					if strings.Contains(text, strings.ToLower(v)) {
						where := "the table"
						if index != "" {
							where = "index " + index
						}
						t.Errorf("%s still holds %q in item %s/%s", where, v, flattenValue(item["PK"]), flattenValue(item["SK"]))
					}
				}
			}
		}
	}
}

// flattenValue is every string and number an attribute value holds.
func flattenValue(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	case *types.AttributeValueMemberB:
		return string(v.Value)
	case *types.AttributeValueMemberSS:
		return strings.Join(v.Value, " ")
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = flattenValue(e)
		}
		return strings.Join(parts, " ")
	case *types.AttributeValueMemberM:
		var parts []string
		for k, e := range v.Value {
			parts = append(parts, k+"="+flattenValue(e))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// newErasureAPI is newAPI on a stack whose write calls are waited for up
// to 15 s each (the default is 2 s): a 50-contact profile's erasure ends in
// one transaction of about 53 items, which a DynamoDB Local shared by a
// loaded machine takes seconds to apply (about 0.1 s an item, measured).
// The tests assert what holds at any speed; the speed is a bench figure.
func newErasureAPI(t *testing.T) *api {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	cfg := testenv.Config(t)
	cfg.Budget.CallTimeout = 15 * time.Second
	return &api{t: t, stack: testenv.NewStackWith(t, cfg), token: testenv.Token(t, "admin", "profiles:read", "profiles:write")}
}

// receipt is the answer of POST /profiles/erasures.
type receipt struct {
	ErasedProfileIDs []string `json:"erasedProfileIds"`
	ErasedAt         string   `json:"erasedAt"`
	Unreachable      []struct {
		Copy      string  `json:"copy"`
		Detail    string  `json:"detail"`
		AgesOutBy *string `json:"agesOutBy"`
	} `json:"unreachable"`
}

// TestEveryErasureRouteLeavesNoCopy: for each way to erase a profile, a
// profile with every field set, 50 contacts, a user link and keyed
// requests is erased, and afterwards no item of the table or of any index
// holds any of its values; a bystander profile is untouched.
func TestEveryErasureRouteLeavesNoCopy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		erase func(t *testing.T, a *api, f *fullProfile) (want []string)
	}{
		{"RequestByEmail", func(t *testing.T, a *api, f *fullProfile) []string {
			// Another profile shares the address: both are erased.
			var other Profile
			a.do("POST", "/profiles", fmt.Sprintf(`{"firstName":"Sharer","contacts":[{"key":"email","value":%q}]}`, strings.ToUpper(f.emails[3]))).
				expect(t, http.StatusCreated, &other)
			f.values = append(f.values, other.ProfileID)
			return eraseRequest(t, a, `{"email":`+quote(f.emails[3])+`}`, f.id, other.ProfileID)
		}},
		{"RequestByPhone", func(t *testing.T, a *api, f *fullProfile) []string {
			return eraseRequest(t, a, `{"phone":`+quote(f.phones[7])+`}`, f.id)
		}},
		{"RequestByUUID", func(t *testing.T, a *api, f *fullProfile) []string {
			return eraseRequest(t, a, `{"uuid":`+quote(f.uuid)+`}`, f.id)
		}},
		{"RequestByUserID", func(t *testing.T, a *api, f *fullProfile) []string {
			return eraseRequest(t, a, `{"userId":`+quote(f.userID)+`}`, f.id)
		}},
		{"RequestByProfileID", func(t *testing.T, a *api, f *fullProfile) []string {
			return eraseRequest(t, a, `{"profileId":`+quote(f.id)+`}`, f.id)
		}},
		{"UserDeletesOwnProfile", func(t *testing.T, a *api, f *fullProfile) []string {
			f.user.do("DELETE", "/api/me/profile", nil).expect(t, http.StatusNoContent, nil)
			return nil
		}},
		{"DeleteProfile", func(t *testing.T, a *api, f *fullProfile) []string {
			a.do("DELETE", "/profiles/"+f.id, nil).expect(t, http.StatusNoContent, nil)
			return nil
		}},
		{"RetentionPurge", func(t *testing.T, a *api, f *fullProfile) []string {
			a.do("PATCH", "/profiles/"+f.id, `{"enabled":false}`).expect(t, http.StatusOK, nil)
			// A clock two days ahead: every profile is untouched for a day.
			store := dynamo.New(a.stack.DB, a.stack.Config.TableName, a.stack.Config.ListShards, dynamo.WithBudget(a.stack.Config.Budget))
			job := retention.Job{Store: store, Days: 1, PurgeTimeout: a.stack.Config.Budget.Timeout,
				Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
			if sum := job.Run(context.Background(), false); sum.Deleted != 1 || sum.Errors != 0 {
				t.Errorf("the retention run: %+v, want one profile purged", sum)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newErasureAPI(t)
			var bystander Profile
			created := a.do("POST", "/profiles", `{"firstName":"Bystander","enabled":true,"contacts":[{"key":"email","value":"bystander@erase.example"}]}`).
				expect(t, http.StatusCreated, &bystander)
			f := newFullProfile(t, a)
			tc.erase(t, a, f)
			a.do("GET", "/profiles/"+f.id, nil).expectProblem(t, http.StatusNotFound, "")
			requireErased(t, a, f.values)
			// The bystander as it was created: same version (ETag), same body.
			after := a.do("GET", "/profiles/"+bystander.ProfileID, nil).expect(t, http.StatusOK, nil)
			if after.Header.Get("ETag") != created.Header.Get("ETag") || !bytes.Equal(after.Body, created.Body) {
				t.Errorf("the bystander changed: %s %s, was %s %s", after.Header.Get("ETag"), after.Body, created.Header.Get("ETag"), created.Body)
			}
		})
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// eraseRequest sends an erasure request and holds its receipt to the ids
// wanted; the same request again erases nothing more and answers 200.
func eraseRequest(t *testing.T, a *api, body string, want ...string) []string {
	t.Helper()
	var r receipt
	a.do("POST", "/profiles/erasures", body).expect(t, http.StatusOK, &r)
	got := slices.Clone(r.ErasedProfileIDs)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("erased %v, want %v", got, want)
	}
	if _, err := profile.ParseTime(r.ErasedAt); err != nil {
		t.Errorf("erasedAt %q: %v", r.ErasedAt, err)
	}
	copies := map[string]bool{}
	for _, u := range r.Unreachable {
		copies[u.Copy] = true
	}
	for _, c := range []string{"stream", "events", "logs", "backups"} {
		if !copies[c] {
			t.Errorf("the receipt's unreachable copies %v do not name %s", r.Unreachable, c)
		}
	}
	var again receipt
	a.do("POST", "/profiles/erasures", body).expect(t, http.StatusOK, &again)
	if len(again.ErasedProfileIDs) != 0 {
		t.Errorf("the same request again erased %v, want none", again.ErasedProfileIDs)
	}
	return want
}

// TestErasureRequestIsIdempotent: an erasure request with an
// Idempotency-Key, sent again, replays the first receipt without erasing
// anything; the key with another body is a 422; a body naming no subject,
// or several, is a 400 naming the fields.
func TestErasureRequestIsIdempotent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Keyed","uuid":"keyed-erasure-uuid"}`).expect(t, http.StatusCreated, &p)
	var first, replay receipt
	a.do("POST", "/profiles/erasures", `{"uuid":"keyed-erasure-uuid"}`, "Idempotency-Key", "erase-1").expect(t, http.StatusOK, &first)
	if !slices.Equal(first.ErasedProfileIDs, []string{p.ProfileID}) {
		t.Fatalf("erased %v, want [%s]", first.ErasedProfileIDs, p.ProfileID)
	}
	r := a.do("POST", "/profiles/erasures", `{"uuid":"keyed-erasure-uuid"}`, "Idempotency-Key", "erase-1").expect(t, http.StatusOK, &replay)
	if r.Header.Get("Idempotent-Replayed") != "true" || !slices.Equal(replay.ErasedProfileIDs, first.ErasedProfileIDs) || replay.ErasedAt != first.ErasedAt {
		t.Errorf("the replay answered %+v (Idempotent-Replayed %q), want the first receipt %+v", replay, r.Header.Get("Idempotent-Replayed"), first)
	}
	a.do("POST", "/profiles/erasures", `{"uuid":"other"}`, "Idempotency-Key", "erase-1").expectProblem(t, http.StatusUnprocessableEntity, "Idempotency-Key")
	// The key's record holds the receipt sealed: the table holds no copy of the erased id.
	requireErased(t, a, []string{p.ProfileID, "keyed-erasure-uuid"})

	for _, tc := range []struct {
		body   string
		fields []string
	}{
		{`{}`, []string{"email", "phone", "uuid", "userId", "profileId"}},
		{`{"email":"a@b.example","uuid":"u"}`, []string{"email", "uuid"}},
		{`{"email":null}`, []string{"email", "phone", "uuid", "userId", "profileId"}},
		{`{"email":"not an address"}`, []string{"email"}},
		{`{"phone":"12"}`, []string{"phone"}},
	} {
		pr := a.do("POST", "/profiles/erasures", tc.body).expectProblem(t, http.StatusBadRequest, tc.fields[0])
		var named []string
		for _, e := range pr.Errors {
			named = append(named, e.Field)
		}
		for _, f := range tc.fields {
			if !slices.Contains(named, f) {
				t.Errorf("%s: errors name %v, want %v", tc.body, named, tc.fields)
			}
		}
	}
}

// TestUserErasureHidesBothUserViews: after DELETE /api/me/profile, the
// user's own view and the partner look-up are 404s, and a second DELETE is
// a 404 too.
func TestUserErasureHidesBothUserViews(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	userID := "erase-me-" + fmt.Sprintf("%08x", rand.Uint32()) //nolint:gosec // a test's unique value
	user := a.as(t, testenv.UserToken(t, userID))
	user.do("POST", "/api/me/profile/update", `{"givenName":"Gone","email":"gone@erase.example"}`).expect(t, http.StatusOK, nil)
	key := newKey(t, a, "partner-erase")
	partner := a.as(t, "")
	partner.do("GET", "/api/users/"+userID+"/profile", nil, "x-api-key", key).expect(t, http.StatusOK, nil)
	user.do("DELETE", "/api/me/profile", nil).expect(t, http.StatusNoContent, nil)
	user.do("GET", "/api/me/profile", nil).expectProblem(t, http.StatusNotFound, "")
	partner.do("GET", "/api/users/"+userID+"/profile", nil, "x-api-key", key).expectProblem(t, http.StatusNotFound, "")
	user.do("DELETE", "/api/me/profile", nil).expectProblem(t, http.StatusNotFound, "")
}

// TestUserUpdateFinishesAnErasureCutShort: a user's update that meets the
// mark of an erasure cut short at the user's profile id (the erasing
// process died after its first write) finishes that erasure and creates the
// profile anew: 200, with none of the erased profile's values, in the table
// or in the answer. It is the path for which UpdateMyProfile's policy holds
// dynamodb:Query (the partition of the marked profile), so the least-
// privilege check sees that action used on every run, not only when the
// first updates of TestUniqueUserUnderConcurrentFirstUpdates happen to race.
func TestUserUpdateFinishesAnErasureCutShort(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	tag := fmt.Sprintf("%08x", rand.Uint32()) //nolint:gosec // a test's unique value
	user := a.as(t, testenv.UserToken(t, "cut-short-"+tag))
	user.do("POST", "/api/me/profile/update", fmt.Sprintf(`{"givenName":"Before","familyName":"Family%s","email":"old.%s@erase.example"}`, tag, tag)).
		expect(t, http.StatusOK, nil)
	markCutShort(t, a, profile.UserProfileID("cut-short-"+tag))
	user.do("GET", "/api/me/profile", nil).expectProblem(t, http.StatusNotFound, "")
	var me map[string]any
	user.do("POST", "/api/me/profile/update", `{"givenName":"After"}`).expect(t, http.StatusOK, &me)
	if me["givenName"] != "After" || me["familyName"] != nil || me["email"] != nil {
		t.Errorf("the update after the cut-short erasure answered %v, want givenName After and nothing of the erased profile", me)
	}
	requireErased(t, a, []string{"Family" + tag, "old." + tag})
}

// TestBatchUpsertByIDFinishesAnErasureCutShort: a batch's upsert by id that
// meets the mark of an erasure cut short at that id (the erasing process
// died after its mark) finishes that erasure and creates the profile anew
// at the id: 201 created, with none of the erased profile's values, rather
// than a 409 naming a profile every read answers 404 for.
func TestBatchUpsertByIDFinishesAnErasureCutShort(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	tag := fmt.Sprintf("%08x", rand.Uint32()) //nolint:gosec // a test's unique value
	var old Profile
	a.do("POST", "/profiles", fmt.Sprintf(`{"firstName":"Before","lastName":"Last%s","contacts":[{"key":"email","value":"old.%s@erase.example"}]}`, tag, tag)).
		expect(t, http.StatusCreated, &old)
	markCutShort(t, a, old.ProfileID)
	res := a.batch("", fmt.Sprintf(`{"op":"upsert","match":"id","id":%q,"profile":{"firstName":"After"}}`, old.ProfileID))
	wantBatch(t, res, "201 created")
	if p := res[0].Profile; p == nil || p.ProfileID != old.ProfileID || apitest.StringOf(p.FirstName) != "After" || p.LastName != nil || len(p.Contacts) != 0 {
		t.Errorf("the upsert after the cut-short erasure: %+v, want a new profile at %s with only firstName After", p, old.ProfileID)
	}
	requireErased(t, a, []string{"Last" + tag, "old." + tag})
}

// markCutShort writes on the profile item the mark an erasure leaves when
// its process dies before the removal, its deadline past.
func markCutShort(t *testing.T, a *api, id string) {
	t.Helper()
	if _, err := a.stack.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(a.stack.Config.TableName),
		Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "PROFILE#" + id}, "SK": &types.AttributeValueMemberS{Value: "PROFILE"}},
		UpdateExpression: aws.String("SET erasure = :r, erasureDeadline = :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":r": &types.AttributeValueMemberS{Value: "request"},
			":d": &types.AttributeValueMemberS{Value: profile.FormatTime(time.Now().Add(-time.Minute))}},
	}); err != nil {
		t.Fatal(err)
	}
}
