package samtemplate

import "testing"

// TestResolverNamesAndARNs: a resource's physical name is Names', else the
// name its properties give it, else its logical id; ARNs and Refs use it.
func TestResolverNamesAndARNs(t *testing.T) {
	tpl, err := FindAndLoad(".")
	if err != nil {
		t.Fatal(err)
	}
	r := tpl.Resolver()
	r.Names["Table"] = "profiles-local"
	for _, tc := range []struct{ got, want string }{
		{must(t)(r.Name("EventBus")), "local-profile-events"}, // Name: !Sub "${AWS::StackName}-profile-events"
		{must(t)(r.Name("Table")), "profiles-local"},
		{must(t)(r.Name("AlarmTopic")), "AlarmTopic"}, // named by CloudFormation
		{must(t)(r.getAtt("EventBus.Arn")), "arn:aws:events:us-east-1:123456789012:event-bus/local-profile-events"},
		{must(t)(r.getAtt("Table.StreamArn")), "arn:aws:dynamodb:us-east-1:123456789012:table/profiles-local/stream/*"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func must(t *testing.T) func(string, error) string {
	return func(s string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}
