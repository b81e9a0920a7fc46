package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestHelpSucceeds(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, io.Discard, io.Discard)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("run(-h) = %v, want flag.ErrHelp (main exits 0 on it)", err)
	}
}

// An unknown name is refused before anything starts, with the names there are.
func TestUnknownFunctionListsTheNames(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"-function", "GetProfil", "-event", "../../events/get-profile.json"},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("run with an unknown function succeeded")
	}
	for _, want := range []string{`"GetProfil"`, "FUNCTION=", "GetProfile", "UpdateMyProfile"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not hold %q", err, want)
		}
	}
}
