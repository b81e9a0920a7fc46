// Package iam enforces each function's IAM policy on the local stack, as
// AWS does for its execution role: an SDK middleware, built from the
// function's Policies in template.yaml, refuses any call the policy does
// not allow with the AccessDeniedException AWS returns, and records every
// call, so a test can hold the policies to what the code uses, both ways.
//
// It follows IAM's documented evaluation for identity-based policies
// (IAM User Guide, "Policy evaluation logic": an explicit Deny wins, else
// an Allow whose Action and Resource match, else an implicit deny), with
// IAM's wildcards in actions and ARNs ("*" any run of characters, "?" one;
// actions case-insensitive). What a DynamoDB operation needs follows the
// DynamoDB Developer Guide ("Using IAM with DynamoDB transactions":
// TransactWriteItems needs, per item, PutItem, UpdateItem, DeleteItem or
// ConditionCheckItem on the item's table; a Query or Scan of an index
// needs the action on the index ARN, table/<name>/index/<index>).
// What differs from AWS: no resource policies, permission boundaries or
// session policies (the template uses none), and a statement's Condition
// is not evaluated: the template's one (the API-key authorizer's
// UpdateItem, on the key items' partition keys only) narrows a statement,
// so the local check allows a little more than AWS, never less.
package iam

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// Region and Account are the ids the local ARNs use (samtemplate's Resolver's).
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// Policy is a function's identity-based policy.
type Policy struct {
	Function   string
	Statements []samtemplate.Statement
}

// Request is one permission a call needs: an action on a resource ARN.
type Request struct {
	Action   string
	Resource string
}

func (r Request) String() string { return r.Action + " on " + r.Resource }

// Allows evaluates the policy for one request: an explicit Deny wins, else
// an Allow that matches, else the implicit deny.
func (p Policy) Allows(r Request) bool {
	allowed := false
	for _, st := range p.Statements {
		if !matches(st, r.Action, r.Resource) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = allowed || st.Effect == "Allow"
	}
	return allowed
}

// Matches reports whether a statement's actions and resources both match.
func matches(st samtemplate.Statement, action, resource string) bool {
	return anyMatch(st.Actions, action, true) && anyMatch(st.Resources, resource, false)
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// wildcardMatch is IAM's matching: "*" any run of characters (across "/"
// and ":" too), "?" any one character.
func wildcardMatch(pattern, s string) bool {
	// path.Match treats "/" specially: escape it away by matching on a
	// string without slashes, both sides mapped alike.
	const slash = "\x00"
	p := strings.ReplaceAll(pattern, "/", slash)
	v := strings.ReplaceAll(s, "/", slash)
	p = strings.NewReplacer("[", `\[`, "]", `\]`, `\`, `\\`).Replace(p)
	ok, err := path.Match(p, v)
	return err == nil && ok
}

// Recorder keeps what each function called, allowed or denied.
type Recorder struct {
	mu    sync.Mutex
	calls map[string]map[Request]bool // function → request → allowed
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{calls: map[string]map[Request]bool{}} }

func (r *Recorder) record(function string, req Request, allowed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls[function] == nil {
		r.calls[function] = map[Request]bool{}
	}
	r.calls[function][req] = allowed
}

// Calls returns what the function called, each request with whether its
// policy allowed it.
func (r *Recorder) Calls(function string) map[Request]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[Request]bool{}
	for k, v := range r.calls[function] {
		out[k] = v
	}
	return out
}

// Install adds to cfg (a function's AWS configuration) the middleware that
// enforces p on every call of every client made from it, and records the
// calls in rec.
func Install(cfg *aws.Config, p Policy, rec *Recorder) {
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("iam", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			service, op := middleware.GetServiceID(ctx), middleware.GetOperationName(ctx)
			for _, req := range Needs(service, op, in.Parameters) {
				allowed := p.Allows(req)
				rec.record(p.Function, req, allowed)
				if !allowed {
					return middleware.InitializeOutput{}, middleware.Metadata{}, accessDenied(p.Function, req)
				}
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	})
}

// accessDenied is the error AWS returns for an implicit deny (HTTP 400,
// AccessDeniedException; the SDK surfaces it as a generic API error), with
// the message IAM documents ("User: <arn> is not authorized to perform:
// <action> on resource: <arn> because no identity-based policy allows the
// <action> action"), the function's role as the caller.
func accessDenied(function string, req Request) error {
	return &smithy.GenericAPIError{
		Code: "AccessDeniedException",
		Message: fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/%sRole/%s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
			Account, function, function, req.Action, req.Resource, req.Action),
	}
}

// TableARN is the ARN of a table of this account and region.
func TableARN(name string) string {
	return "arn:aws:dynamodb:" + Region + ":" + Account + ":table/" + name
}

// Needs are the permissions a call needs. A service this package does not
// model needs nothing (and is not recorded).
func Needs(service, op string, input any) []Request {
	switch service {
	case dynamodb.ServiceID:
		return dynamoNeeds(op, input)
	case "EventBridge":
		return eventBridgeNeeds(op, input)
	}
	return nil
}
