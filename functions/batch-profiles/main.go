// Command batch-profiles is the BatchProfiles Lambda function.
package main

import (
	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

func main() { lambdaapp.StartHTTP(api.BatchProfiles) }
