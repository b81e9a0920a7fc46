package linearizability

import (
	"context"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/profiles-service/profiles/shared/views"
)

// at is an operation of slot 0 by client, from call to ret.
func at(client int, call, ret int64, in Input, out Output) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
}

func user(body map[string]any) Input { return Input{Kind: UpdateUser, Body: body} }

func ok200() Output { return Output{Status: 200} }

func profileAnswer(s State) Output {
	p := profileView(s)
	return Output{Status: 200, ETag: s.Version, Profile: &p}
}

func userAnswer(s State) Output {
	u := userView(s)
	return Output{Status: 200, ETag: s.Version, User: &u}
}

// withProfile is the state after a user's first update, then the changes.
func withProfile(version int64, change func(*State)) State {
	s := created()
	s.Version = version
	change(&s)
	return s
}

// TestModelAllowsOnlyWhatTheDocsAllow holds the model to docs/api.md on
// hand-written histories, among them the two mixes of issue 25 (defects 1
// and 2): two writes without If-Match, concurrent, end as one of them
// applied after the other, never as a mix.
func TestModelAllowsOnlyWhatTheDocsAllow(t *testing.T) {
	create := at(0, 0, 10, user(map[string]any{"givenName": "Ann"}), ok200())
	patchA := Input{Kind: PatchProfile, Body: map[string]any{"tags": []string{"a"}, "enabled": true}}
	patchB := Input{Kind: PatchProfile, Body: map[string]any{"tags": []string{"b"}, "enabled": false}}
	userX := user(map[string]any{"marketingUpdates": false, "familyName": "X"})
	userY := user(map[string]any{"marketingUpdates": true, "familyName": "Y"})
	addKeyed := Input{Kind: AddContact, Key: "k1", Body: map[string]any{"key": "email", "value": "a@example.com"}}
	added := views.Contact{ContactID: "c00000000000000000000001", Key: "email", Value: "a@example.com"}
	oneContact := withProfile(2, func(s *State) {
		s.First = "Ann"
		s.Contacts[0], s.N = Contact{ID: added.ContactID, Key: "email", Value: "a@example.com", Version: 1}, 1
	})
	for _, tc := range []struct {
		name string
		ops  []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"two PATCHes, then one of them last", []porcupine.Operation{
			create, at(1, 20, 40, patchA, ok200()), at(2, 20, 40, patchB, ok200()),
			at(0, 50, 60, Input{Kind: GetProfile}, profileAnswer(withProfile(3, func(s *State) { s.First, s.Tags, s.Enabled = "Ann", "b", false }))),
		}, porcupine.Ok},
		{"two PATCHes, then a mix (defect 1)", []porcupine.Operation{
			create, at(1, 20, 40, patchA, ok200()), at(2, 20, 40, patchB, ok200()),
			at(0, 50, 60, Input{Kind: GetProfile}, profileAnswer(withProfile(3, func(s *State) { s.First, s.Tags, s.Enabled = "Ann", "a", false }))),
		}, porcupine.Illegal},
		{"two user updates, then a mix (defect 2)", []porcupine.Operation{
			create, at(1, 20, 40, userX, ok200()), at(2, 20, 40, userY, ok200()),
			at(0, 50, 60, Input{Kind: GetUser}, userAnswer(withProfile(3, func(s *State) { s.First, s.Last, s.Marketing = "Ann", "X", true }))),
		}, porcupine.Illegal},
		{"two user updates, then one of them last", []porcupine.Operation{
			create, at(1, 20, 40, userX, ok200()), at(2, 20, 40, userY, ok200()),
			at(0, 50, 60, Input{Kind: GetUser}, userAnswer(withProfile(3, func(s *State) { s.First, s.Last, s.Marketing = "Ann", "X", false }))),
		}, porcupine.Ok},
		{"a stale If-Match is a 412", []porcupine.Operation{
			create, at(1, 20, 30, Input{Kind: PatchProfile, IfMatch: 2, Body: map[string]any{"lastName": "Dee"}}, Output{Status: 412}),
		}, porcupine.Ok},
		{"a stale If-Match that succeeds", []porcupine.Operation{
			create, at(1, 20, 30, Input{Kind: PatchProfile, IfMatch: 2, Body: map[string]any{"lastName": "Dee"}}, ok200()),
		}, porcupine.Illegal},
		{"an unknown outcome that landed", []porcupine.Operation{
			create, at(1, 20, 30, Input{Kind: PatchProfile, Body: map[string]any{"lastName": "Dee"}}, Output{Status: 503, Unknown: true}),
			at(0, 40, 50, Input{Kind: GetProfile}, profileAnswer(withProfile(2, func(s *State) { s.First, s.Last = "Ann", "Dee" }))),
		}, porcupine.Ok},
		{"an unknown outcome that did not land", []porcupine.Operation{
			create, at(1, 20, 30, Input{Kind: PatchProfile, Body: map[string]any{"lastName": "Dee"}}, Output{Status: 503, Unknown: true}),
			at(0, 40, 50, Input{Kind: GetProfile}, profileAnswer(withProfile(1, func(s *State) { s.First = "Ann" }))),
		}, porcupine.Ok},
		{"a plain 503 that landed", []porcupine.Operation{
			create, at(1, 20, 30, Input{Kind: PatchProfile, Body: map[string]any{"lastName": "Dee"}}, Output{Status: 503, Refused: true}),
			at(0, 40, 50, Input{Kind: GetProfile}, profileAnswer(withProfile(2, func(s *State) { s.First, s.Last = "Ann", "Dee" }))),
		}, porcupine.Illegal},
		{"a keyed retry replays the add that landed", []porcupine.Operation{
			create, at(1, 20, 30, addKeyed, Output{Status: 503, Unknown: true}),
			at(1, 40, 50, addKeyed, Output{Status: 201, ETag: 1, Contact: &added}),
			at(0, 60, 70, Input{Kind: GetProfile}, profileAnswer(oneContact)),
		}, porcupine.Ok},
		{"a keyed retry refused by the add that landed (defect 6)", []porcupine.Operation{
			create, at(1, 20, 30, addKeyed, Output{Status: 503, Unknown: true}),
			at(1, 40, 50, addKeyed, Output{Status: 409}),
			at(0, 60, 70, Input{Kind: GetProfile}, profileAnswer(oneContact)),
		}, porcupine.Illegal},
		// TestLinearizability's throttling failures, cut down: throttled
		// writes are slow, so an If-Match write often overlaps a DELETE. Whether
		// it is placed before the DELETE (v1 current: it lands) or after
		// (no profile: a 404, docs/api.md "Not Found"), no order gives a
		// 412, which says a version other than 1 was current.
		{"an If-Match PATCH that races a DELETE answers 412", []porcupine.Operation{
			create, at(1, 20, 40, Input{Kind: DeleteProfile}, Output{Status: 204}),
			at(2, 25, 35, Input{Kind: PatchProfile, IfMatch: 1, Body: map[string]any{"lastName": "Dee"}}, Output{Status: 412}),
		}, porcupine.Illegal},
		{"an If-Match PATCH that races a DELETE answers 404", []porcupine.Operation{
			create, at(1, 20, 40, Input{Kind: DeleteProfile}, Output{Status: 204}),
			at(2, 25, 35, Input{Kind: PatchProfile, IfMatch: 1, Body: map[string]any{"lastName": "Dee"}}, Output{Status: 404}),
		}, porcupine.Ok},
		{"a user's email replaces the primary email and clears its verification", []porcupine.Operation{
			at(0, 0, 10, user(map[string]any{"email": "a@example.com"}), ok200()),
			at(0, 20, 30, Input{Kind: GetProfile}, profileAnswer(withProfile(1, func(s *State) {
				s.Contacts[0], s.N = Contact{ID: added.ContactID, Key: "email", Value: "a@example.com", Version: 1}, 1
			}))),
			at(0, 40, 50, Input{Kind: UpdateContact, ContactID: added.ContactID, Body: map[string]any{"verified": true}},
				Output{Status: 200, ETag: 2, Contact: &views.Contact{ContactID: added.ContactID, Key: "email", Value: "a@example.com", Verified: true}}),
			at(0, 60, 70, user(map[string]any{"email": "b@example.com"}), ok200()),
			at(0, 80, 90, Input{Kind: GetUser}, Output{Status: 200, ETag: 3, User: &views.User{Email: new("b@example.com")}}),
		}, porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := porcupine.CheckOperations(Model(), Finish(tc.ops)); got != (tc.want == porcupine.Ok) {
				t.Errorf("linearizable: %v, want %v", got, tc.want == porcupine.Ok)
			}
		})
	}
}

// TestCheckerOnAFakeService: histories of a service that is linearizable
// by construction (the model under a lock, some answers lost) pass, and
// the same history with one answer changed does not.
func TestCheckerOnAFakeService(t *testing.T) {
	g := &Generator{Seed: 1, Clients: 8, Slots: 3, Duration: 300 * time.Millisecond, Retries: 3}
	h := g.Run(context.Background(), newFakeService(3, 0.01, 1))
	ops := h.Operations()
	res, err := Check(ops, time.Minute, t.TempDir(), "fake")
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != porcupine.Ok {
		t.Fatalf("a linearizable history: %s (%d operations; %s)", res.Verdict, res.Ops, res.Path)
	}
	kinds := map[Kind]int{}
	for _, op := range ops {
		kinds[op.Input.(Input).Kind]++
	}
	t.Logf("%d operations: %v", len(ops), kinds)
	corrupted := false
	for i, op := range ops {
		if out := op.Output.(Output); op.Input.(Input).Kind == GetProfile && out.Status == 200 {
			p := *out.Profile
			p.FirstName = new("Zed") // a name no request writes
			out.Profile = &p
			ops[i].Output, corrupted = out, true
			break
		}
	}
	if !corrupted {
		t.Fatal("the history has no GET answered 200 to corrupt")
	}
	if res, err := Check(ops, time.Minute, t.TempDir(), "corrupted"); err != nil || res.Verdict != porcupine.Illegal {
		t.Errorf("a history with a GET answer no write made: %s, %v; want Illegal", res.Verdict, err)
	}
}
