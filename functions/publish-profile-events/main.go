// Command publish-profile-events is the PublishProfileEvents Lambda function.
package main

import "github.com/profiles-service/profiles/shared/lambdaapp"

func main() { lambdaapp.Start(lambdaapp.PublishProfileEvents) }
