package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// lambdaPayloadLimit is Lambda's limit on a synchronous invocation's
// request and response payloads (6 MB), which an HTTP API's event and
// answer, the body escaped into them, must fit.
const lambdaPayloadLimit = 6 << 20

// TestBatchOfLargestProfilesFits: 100 items, each a profile at every limit
// (255-character names and uuid, 50 tags of 64 characters, 50 contacts of
// 254-character email addresses with 255-character uuids), are a valid
// batch within maxBatchBody, and both the Lambda event that carries it and
// the 207 that answers every one of them fit Lambda's 6 MB.
func TestBatchOfLargestProfilesFits(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("n", profile.MaxNameLen)
	tags := make([]string, profile.MaxTags)
	for i := range tags {
		tags[i] = fmt.Sprintf("%02d%s", i, strings.Repeat("t", profile.MaxTagLen-2))
	}
	domain := strings.Repeat("d", 63) + "." + strings.Repeat("e", 63) + "." + strings.Repeat("f", 53) + ".example" // 189: 254 - 64 - 1
	items := make([]string, profile.BatchLimit)
	for i := range items {
		contacts := make([]string, profile.MaxContacts)
		for j := range contacts {
			local := fmt.Sprintf("%03d%02d%s", i, j, strings.Repeat("l", 59))
			contacts[j] = fmt.Sprintf(`{"key":"email","value":%q,"uuid":%q,"verified":true}`, local+"@"+domain, strings.Repeat("c", profile.MaxUUIDLen))
		}
		uuid := fmt.Sprintf("%03d%s", i, strings.Repeat("u", profile.MaxUUIDLen-3))
		items[i] = fmt.Sprintf(`{"op":"upsert","match":"uuid","profile":{"uuid":%q,"firstName":%q,"middleName":%q,"lastName":%q,`+
			`"countryNumericCode":"840","enabled":true,"tags":%s,"contacts":[%s]}}`,
			uuid, name, name, name, mustJSON(t, tags), strings.Join(contacts, ","))
	}
	body := `{"items":[` + strings.Join(items, ",") + `]}`
	if len(body) > maxBatchBody {
		t.Fatalf("100 largest profiles take %d bytes, over the batch's %d", len(body), maxBatchBody)
	}
	event := mustJSON(t, events.APIGatewayV2HTTPRequest{RouteKey: "POST /profiles/batch", Body: body})
	if len(event) > lambdaPayloadLimit {
		t.Errorf("the Lambda event of the batch takes %d bytes, over Lambda's %d", len(event), lambdaPayloadLimit)
	}

	decoded, err := decodeBatch(httptest.NewRequest("POST", "/profiles/batch", strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	results := make([]batchResult, len(decoded))
	for i, it := range decoded {
		if it.Err != nil {
			t.Fatalf("item %d: %v", i, it.Err)
		}
		p, err := profile.New(it.Input, time.Now())
		if err != nil {
			t.Fatalf("item %d is not a valid profile: %v", i, err)
		}
		if len(p.Contacts) != profile.MaxContacts || len(p.Tags) != profile.MaxTags {
			t.Fatalf("item %d: %d contacts, %d tags, want the limits", i, len(p.Contacts), len(p.Tags))
		}
		v := views.ProfileOf(p)
		results[i] = batchResult{Status: 201, Outcome: string(profile.OutcomeCreated), Profile: &v}
	}
	answer := mustJSON(t, struct {
		Results []batchResult `json:"results"`
	}{results})
	out := mustJSON(t, events.APIGatewayV2HTTPResponse{StatusCode: 207, Body: string(answer),
		Headers: map[string]string{"Content-Type": "application/json"}})
	if len(out) > lambdaPayloadLimit {
		t.Errorf("the 207 of 100 largest profiles takes %d bytes in Lambda's answer, over its %d", len(out), lambdaPayloadLimit)
	}
	t.Logf("100 largest profiles: body %d bytes (limit %d), event %d, answer %d, Lambda's answer %d (limit %d)",
		len(body), maxBatchBody, len(event), len(answer), len(out), lambdaPayloadLimit)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
