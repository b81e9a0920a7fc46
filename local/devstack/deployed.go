package devstack

import (
	"fmt"
	"slices"
)

// StackOutput is an environment variable a command's -aws mode reads, and
// the output of the deployed stack that holds its value.
type StackOutput struct{ Env, Output string }

// localEndpoints are the variables that point the service or the AWS SDK
// at a local stand-in instead of the deployed stack.
var localEndpoints = []string{"DYNAMODB_ENDPOINT", "LOCAL_MODE", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"}

// DeployedEnv checks the environment of a command's -aws mode before it
// touches anything: each of outputs is set (else the error says which stack
// output holds it, and how to read it), and no variable points elsewhere:
// none of localEndpoints, nor of also (the command's own, such as the
// local event sinks), is set.
func DeployedEnv(getenv func(string) string, outputs []StackOutput, also ...string) error {
	for _, o := range outputs {
		if getenv(o.Env) == "" {
			return fmt.Errorf("-aws needs %s: the stack's %s output "+
				"(aws cloudformation describe-stacks --stack-name profiles --query \"Stacks[0].Outputs[?OutputKey=='%s'].OutputValue\" --output text)",
				o.Env, o.Output, o.Output)
		}
	}
	for _, k := range slices.Concat(localEndpoints, also) {
		if v := getenv(k); v != "" {
			return fmt.Errorf("-aws works on the deployed stack, but %s=%s points elsewhere: unset it", k, v)
		}
	}
	return nil
}
