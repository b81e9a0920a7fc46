package integration

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/local/testenv"
)

// The deploy side of the README, as far as it can be tested without an AWS
// account: samconfig.toml against template.yaml, and what sam build made.

// TestSAMConfigMatchesTemplate holds samconfig.toml's deploy parameters to
// template.yaml's Parameters: every parameter but the secrets has a value
// the template accepts, no secret is committed, and the settings the README's
// `sam build && sam deploy` rely on are there.
func TestSAMConfigMatchesTemplate(t *testing.T) {
	root := testenv.Root(t)
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]map[string]map[string]map[string]any // environment, command, "parameters", key
	if _, err := toml.DecodeFile(filepath.Join(root, "samconfig.toml"), &cfg); err != nil {
		t.Fatalf("samconfig.toml: %v", err)
	}
	section := func(command string) map[string]any { return cfg["default"][command]["parameters"] }

	overrides, err := parseParameterOverrides(section("deploy")["parameter_overrides"])
	if err != nil {
		t.Fatalf("samconfig.toml: parameter_overrides: %v", err)
	}
	for name, p := range tpl.Parameters {
		v, ok := overrides[name]
		switch {
		case p.NoEcho && ok:
			t.Errorf("samconfig.toml commits %s, a NoEcho parameter: leave it to sam deploy --guided", name)
		case p.NoEcho:
		case !ok:
			t.Errorf("samconfig.toml: parameter_overrides lacks template parameter %s", name)
		default:
			if err := p.Accepts(v); err != nil {
				t.Errorf("samconfig.toml: %s=%q: %v", name, v, err)
			}
		}
	}
	for name := range overrides {
		if _, ok := tpl.Parameters[name]; !ok {
			t.Errorf("samconfig.toml: parameter_overrides names %s, which template.yaml does not declare", name)
		}
	}

	want := map[string]map[string]any{
		// SAM's build cache hashes only CodeUri (functions/<name>), not shared/.
		"build":  {"cached": false},
		"deploy": {"capabilities": "CAPABILITY_IAM", "confirm_changeset": true, "resolve_s3": true},
	}
	for command, settings := range want {
		for k, v := range settings {
			if got := section(command)[k]; got != v {
				t.Errorf("samconfig.toml [default.%s.parameters] %s = %v, want %v", command, k, got, v)
			}
		}
	}
	for _, k := range []string{"stack_name", "region"} {
		if s, _ := section("global")[k].(string); s == "" {
			t.Errorf("samconfig.toml [default.global.parameters] has no %s", k)
		}
	}
}

// TestSAMBuildMetadata holds every function to the one build the README
// describes: sam build runs the Makefile's build-<LogicalId> in the
// repository root, which builds ./functions/<LogicalId in kebab case>, the
// function's CodeUri, for the Architecture parameter (arm64 by default).
func TestSAMBuildMetadata(t *testing.T) {
	tpl, err := samtemplate.Load(filepath.Join(testenv.Root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := tpl.Parameters["Architecture"]
	if !ok || p.Default == nil || *p.Default != "arm64" || !slices.Equal(p.AllowedValues, []string{"arm64", "x86_64"}) {
		t.Errorf("template.yaml: want a parameter Architecture, default arm64, allowed [arm64 x86_64]; got %+v", p)
	}
	kebab := regexp.MustCompile(`([a-z0-9])([A-Z])`)
	for _, fn := range tpl.Functions {
		meta := tpl.Resources[fn.Name].Metadata
		for key, want := range map[string]string{"BuildMethod": "makefile", "ContextPath": ".", "WorkingDirectory": "."} {
			if n := samtemplate.Field(&meta, key); n == nil || n.Value != want {
				t.Errorf("%s: Metadata %s must be %q", fn.Name, key, want)
			}
		}
		if want := "functions/" + strings.ToLower(kebab.ReplaceAllString(fn.Name, "$1-$2")); fn.CodeURI != want {
			t.Errorf("%s: CodeUri %q, want %q: the package the Makefile's build-%s builds", fn.Name, fn.CodeURI, want, fn.Name)
		}
		arch, err := tpl.Resolver().Strings(fn.Architectures)
		if err != nil || len(arch) != 1 || fn.Architectures.Content[0].Tag != "!Ref" || fn.Architectures.Content[0].Value != "Architecture" {
			t.Errorf("%s: Architectures must be [!Ref Architecture] (%v, %v)", fn.Name, arch, err)
		}
	}
}

// TestSAMBuildOutput checks what `sam build` wrote to $SAM_BUILD_DIR (make
// sam-build sets it, and SAM_BUILD_ARCHITECTURE when it overrides the
// template's Architecture): one bootstrap per function of template.yaml, a
// static, stripped Linux executable for the function's architecture, built
// from that function's own main package with the flags of make build.
func TestSAMBuildOutput(t *testing.T) {
	dir := os.Getenv("SAM_BUILD_DIR")
	if dir == "" {
		t.Skip("SAM_BUILD_DIR is not set: make sam-build runs sam build, then this test")
	}
	root := testenv.Root(t)
	src, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	built, err := samtemplate.Load(filepath.Join(dir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res := src.Resolver()
	if a := os.Getenv("SAM_BUILD_ARCHITECTURE"); a != "" {
		res.Params["Architecture"] = a
	}
	module := modulePath(t, root)
	if len(src.Functions) == 0 {
		t.Fatal("template.yaml has no AWS::Serverless::Function")
	}
	for _, fn := range src.Functions {
		t.Run(fn.Name, func(t *testing.T) {
			b, ok := built.Function(fn.Name)
			if !ok {
				t.Fatalf("the built template has no function %s", fn.Name)
			}
			if b.CodeURI != fn.Name {
				t.Errorf("built CodeUri %q, want %q", b.CodeURI, fn.Name)
			}
			if b.Runtime != "provided.al2023" {
				t.Errorf("Runtime %q, want provided.al2023", b.Runtime)
			}
			arch, err := res.Architecture(fn)
			if err != nil {
				t.Fatal(err)
			}
			checkBootstrap(t, filepath.Join(dir, b.CodeURI, "bootstrap"), arch, path.Join(module, filepath.ToSlash(fn.CodeURI)))
		})
	}
}

// checkBootstrap checks one built executable.
func checkBootstrap(t *testing.T, file, arch, mainPackage string) {
	t.Helper()
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable (%v)", file, st.Mode())
	}
	f, err := elf.Open(file)
	if err != nil {
		t.Fatalf("%s is no ELF executable: %v", file, err)
	}
	defer f.Close()
	machine := map[string]elf.Machine{"arm64": elf.EM_AARCH64, "x86_64": elf.EM_X86_64}[arch]
	if f.Machine != machine || f.Type != elf.ET_EXEC {
		t.Errorf("%s: %v %v, want %v ET_EXEC for %s", file, f.Machine, f.Type, machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked: provided.al2023 needs a static binary", file)
		}
	}
	if f.Section(".symtab") != nil {
		t.Errorf("%s is not stripped (it has a symbol table): build with -ldflags=-s -w", file)
	}
	bi, err := buildinfo.ReadFile(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if bi.Path != mainPackage {
		t.Errorf("%s was built from %s, want %s", file, bi.Path, mainPackage)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"GOOS": "linux", "CGO_ENABLED": "0", "-trimpath": "true"} {
		if settings[k] != want {
			t.Errorf("%s: build setting %s=%q, want %q", file, k, settings[k], want)
		}
	}
	if !slices.Contains(strings.Split(settings["-tags"], ","), "lambda.norpc") {
		t.Errorf("%s: built without -tags lambda.norpc (tags %q)", file, settings["-tags"])
	}
}

// parseParameterOverrides reads parameter_overrides as SAM CLI does: one
// string or a list of strings, each holding Key=Value pairs separated by
// spaces, a value double-quoted when it holds a space. Unlike SAM, which
// silently cuts `Key=rate(1 day)` to `rate(1`, it refuses what it cannot read.
func parseParameterOverrides(v any) (map[string]string, error) {
	var items []string
	switch v := v.(type) {
	case string:
		items = []string{v}
	case []any:
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("list item %v is not a string", item)
			}
			items = append(items, s)
		}
	default:
		return nil, fmt.Errorf("missing or neither a string nor a list of strings: %v", v)
	}
	out := map[string]string{}
	for _, s := range items {
		for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
			eq := strings.IndexByte(s, '=')
			if eq <= 0 || strings.ContainsAny(s[:eq], " \t\"") {
				return nil, fmt.Errorf("cannot read %q: want Key=Value or Key=\"Value\"", s)
			}
			key, rest := s[:eq], s[eq+1:]
			var val string
			if strings.HasPrefix(rest, `"`) {
				end := 1
				for end < len(rest) && (rest[end] != '"' || rest[end-1] == '\\') {
					end++
				}
				if end == len(rest) {
					return nil, fmt.Errorf("%s: unterminated quote", key)
				}
				val, s = strings.ReplaceAll(rest[1:end], `\"`, `"`), rest[end+1:]
			} else {
				end := strings.IndexAny(rest, " \t")
				if end < 0 {
					end = len(rest)
				}
				val, s = rest[:end], rest[end:]
			}
			if s != "" && s[0] != ' ' && s[0] != '\t' {
				return nil, fmt.Errorf("%s: text right after its value: %q", key, s)
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("%s is given twice", key)
			}
			out[key] = val
		}
	}
	return out, nil
}

func modulePath(t *testing.T, root string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}
