// Command api-key-authorizer is the ApiKeyAuthorizer Lambda function.
package main

import "github.com/profiles-service/profiles/shared/lambdaapp"

func main() { lambdaapp.Start(lambdaapp.APIKeyAuthorizer) }
