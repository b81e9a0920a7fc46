package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"testing"
)

func TestHelpSucceeds(t *testing.T) {
	t.Parallel()
	getenv := func(string) string { return "" }
	for _, args := range [][]string{{"-h"}, {"--help"}, {"invoke", "-h"}, {"start-api", "-h"}} {
		if err := run(context.Background(), args, getenv, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("run(%q) = %v, want flag.ErrHelp (main exits 0 on it)", args, err)
		}
	}
}
