// Command token prints a local development JWT (make token) that the local
// API gateway accepts, and nothing else.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/profiles-service/profiles/local/gateway"
)

func main() {
	sub := flag.String("sub", "local-user", "the token's subject (the user id)")
	scopes := flag.String("scopes", "profiles:read profiles:write", "space-separated scopes")
	ttl := flag.Duration("ttl", 24*time.Hour, "how long the token is valid")
	flag.Parse()
	tok, err := gateway.SignLocal(gateway.LocalSecret, *sub, strings.Fields(*scopes), *ttl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}
