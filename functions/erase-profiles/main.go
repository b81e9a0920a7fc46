// Command erase-profiles is the EraseProfiles Lambda function.
package main

import (
	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

func main() { lambdaapp.StartHTTP(api.EraseProfiles) }
