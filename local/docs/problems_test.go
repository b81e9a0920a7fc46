package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var (
	// problemInCode is a problem type the service builds: problemBase+"name".
	problemInCode = regexp.MustCompile(`problemBase\s*\+\s*"([a-z0-9-]+)"`)
	// problemInDocument is a problem type written out in full.
	problemInDocument = regexp.MustCompile(`tag:profiles-service\.github\.io,2026:problems/([a-z0-9-]+)`)
)

// TestProblemTypesAreDocumented holds docs/api.md to every problem type the
// service answers or openapi.yaml names: each has a heading there, which is
// what its type URI's last segment names.
func TestProblemTypesAreDocumented(t *testing.T) {
	t.Parallel()
	sources, err := filepath.Glob(filepath.Join(root, "shared", "api", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	sources = append(sources, filepath.Join(root, "shared", "api", "openapi.yaml"))
	documented := anchors(t, filepath.Join(root, "docs", "api.md"))
	found := 0
	for _, path := range sources {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{problemInCode, problemInDocument} {
			for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
				found++
				if !documented[m[1]] {
					t.Errorf("%s: problem type %q has no heading in docs/api.md (### %s)", filepath.Base(path), m[1], m[1])
				}
			}
		}
	}
	if found == 0 {
		t.Error("no problem type found in shared/api: has problemBase moved?")
	}
}
