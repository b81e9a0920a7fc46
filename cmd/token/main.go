// Command token prints a local development JWT (make token) that the local
// API gateway accepts, and nothing else: an admin token by default, or with
// -role user what an end user's sign-in gives (the user routes' audience),
// which every admin route refuses whatever its scopes.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/local/samtemplate"
)

func main() {
	sub := flag.String("sub", "local-user", "the token's subject (the user id)")
	scopes := flag.String("scopes", "profiles:read profiles:write", "space-separated scopes")
	role := flag.String("role", string(gateway.RoleAdmin), "admin (the admin routes' audience) or user (an end user's sign-in: /api/me/*)")
	ttl := flag.Duration("ttl", 24*time.Hour, "how long the token is valid")
	flag.Parse()
	if err := run(*sub, *scopes, gateway.Role(*role), *ttl); err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
}

func run(sub, scopes string, role gateway.Role, ttl time.Duration) error {
	if role != gateway.RoleAdmin && role != gateway.RoleUser {
		return fmt.Errorf("-role must be admin or user, not %q", role)
	}
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		return err
	}
	tok, err := gateway.SignRole(tpl, role, sub, strings.Fields(scopes), ttl)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}
