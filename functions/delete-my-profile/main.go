// Command delete-my-profile is the DeleteMyProfile Lambda function.
package main

import (
	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

func main() { lambdaapp.StartHTTP(api.DeleteMyProfile) }
