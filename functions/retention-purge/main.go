// Command retention-purge is the RetentionPurge Lambda function.
package main

import "github.com/profiles-service/profiles/shared/lambdaapp"

func main() { lambdaapp.Start(lambdaapp.RetentionPurge) }
