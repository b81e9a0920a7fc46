package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestRefusesWithoutBaseURL(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, func(string) string { return "" }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "BASE_URL") {
		t.Fatalf("err %v, want one naming BASE_URL", err)
	}
	if out.Len() != 0 {
		t.Errorf("ran steps without a base URL: %s", out.String())
	}
}

func TestHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, &out, &errOut)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err %v, want flag.ErrHelp (exit 0)", err)
	}
	if !strings.Contains(errOut.String(), "-base-url") {
		t.Errorf("usage lacks -base-url: %s", errOut.String())
	}
}
