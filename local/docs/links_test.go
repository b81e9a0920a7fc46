package docs

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// root is the repository root, two levels above this package.
const root = "../.."

// maxREADMELines keeps the README a page a newcomer reads in five minutes;
// the rest belongs in docs/.
const maxREADMELines = 200

// pages are the Markdown files whose links are checked.
func pages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no docs/*.md")
	}
	return append([]string{filepath.Join(root, "README.md")}, docs...)
}

var (
	// link is an inline Markdown link or image: [text](target) or
	// [text](target "title").
	link = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// codeSpan is inline code, whose brackets are no links.
	codeSpan = regexp.MustCompile("`[^`]*`")
	heading  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	// htmlAnchor is an explicit <a id="…"> or <a name="…">.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
)

// prose calls f with each line of the file outside fenced code blocks.
func prose(t *testing.T, path string, f func(n int, line string)) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	s := bufio.NewScanner(file)
	fenced := false
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			f(n, line)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
}

// paragraphs calls f with each paragraph outside fenced code blocks, its
// lines joined by spaces (a link's text may wrap), and its first line's
// number.
func paragraphs(t *testing.T, path string, f func(n int, text string)) {
	t.Helper()
	start, lines := 0, []string(nil)
	flush := func() {
		if len(lines) > 0 {
			f(start, strings.Join(lines, " "))
		}
		lines = nil
	}
	prose(t, path, func(n int, line string) {
		if strings.TrimSpace(line) == "" {
			flush()
			return
		}
		if len(lines) == 0 {
			start = n
		}
		lines = append(lines, strings.TrimSpace(line))
	})
	flush()
}

// slug is the anchor GitHub gives a heading: lower case, punctuation other
// than '-' and '_' dropped, each space a '-'. Inline code keeps its text and
// a link its text.
func slug(text string) string {
	text = link.ReplaceAllStringFunc(text, func(m string) string {
		return m[strings.Index(m, "[")+1 : strings.Index(m, "]")]
	})
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors of a Markdown file: its headings' slugs, a
// repeated one suffixed -1, -2… as GitHub does, and explicit HTML anchors.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	seen := map[string]int{}
	out := map[string]bool{}
	prose(t, path, func(_ int, line string) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		m := heading.FindStringSubmatch(line)
		if m == nil {
			return
		}
		s := slug(m[1])
		if n := seen[s]; n > 0 {
			out[s+"-"+strconv.Itoa(n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	})
	return out
}

func TestLinksResolve(t *testing.T) {
	t.Parallel()
	cache := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if cache[path] == nil {
			cache[path] = anchors(t, path)
		}
		return cache[path]
	}
	for _, page := range pages(t) {
		name, _ := filepath.Rel(root, page)
		paragraphs(t, page, func(n int, text string) {
			for _, m := range link.FindAllStringSubmatch(codeSpan.ReplaceAllString(text, ""), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				file := page
				if strings.HasPrefix(path, "/") {
					// Root-relative: GitHub resolves it against the
					// repository's root.
					file = filepath.Join(root, filepath.FromSlash(path))
				} else if path != "" {
					file = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
				}
				if path != "" {
					if _, err := os.Stat(file); err != nil {
						t.Errorf("%s:%d: %s: no such file or directory", name, n, target)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(file, ".md") {
					t.Errorf("%s:%d: %s: an anchor in a file that is not Markdown", name, n, target)
					continue
				}
				if !anchorsOf(file)[anchor] {
					t.Errorf("%s:%d: %s: %s has no heading with the anchor #%s", name, n, target, filepath.Base(file), anchor)
				}
			}
		})
	}
}

func TestSlug(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ heading, want string }{
		{"Events", "events"},
		{"The real SAM CLI: make sam-invoke and make sam-api", "the-real-sam-cli-make-sam-invoke-and-make-sam-api"},
		{"Capacity per request, round 1 and now", "capacity-per-request-round-1-and-now"},
		{"`query-too-broad` (422)", "query-too-broad-422"},
		{"[Events](events.md) and snake_case", "events-and-snake_case"},
	} {
		if got := slug(tt.heading); got != tt.want {
			t.Errorf("slug(%q) = %q, want %q", tt.heading, got, tt.want)
		}
	}
}

func TestREADMEIsAFrontDoor(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\n"); n > maxREADMELines {
		t.Errorf("README.md has %d lines, at most %d: move reference material to docs/", n, maxREADMELines)
	}
}
