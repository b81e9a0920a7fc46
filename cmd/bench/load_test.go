package main

import (
	"bytes"
	"strings"
	"testing"
)

// Redirected to a file, the loading bar writes a line per tenth, never a
// carriage return.
func TestLoadingBarNonTerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := newProgress(&out).bar("loading profiles", "profiles", 1000)
	for range 1000 {
		b.add(1)
	}
	b.done()
	s := out.String()
	if strings.Contains(s, "\r") {
		t.Errorf("carriage returns in the output to a file:\n%q", s)
	}
	if lines := strings.Count(s, "\n"); lines != 10 {
		t.Errorf("%d lines, want 10 (9 tenths and the last):\n%s", lines, s)
	}
}
