package integration

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

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
	tpl := readSAMTemplate(t, filepath.Join(root, "template.yaml"))
	cfg := readSAMConfig(t, filepath.Join(root, "samconfig.toml"))

	overrides, err := parseParameterOverrides(cfg["default.deploy.parameters"]["parameter_overrides"])
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
			if err := p.accepts(v); err != nil {
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
		"default.build.parameters":  {"cached": false},
		"default.deploy.parameters": {"capabilities": "CAPABILITY_IAM", "confirm_changeset": true, "resolve_s3": true},
	}
	for section, settings := range want {
		for k, v := range settings {
			if got := cfg[section][k]; got != v {
				t.Errorf("samconfig.toml [%s] %s = %v, want %v", section, k, got, v)
			}
		}
	}
	for _, k := range []string{"stack_name", "region"} {
		if s, _ := cfg["default.global.parameters"][k].(string); s == "" {
			t.Errorf("samconfig.toml [default.global.parameters] has no %s", k)
		}
	}
}

// TestSAMBuildOutput checks what `sam build` wrote to $SAM_BUILD_DIR (make
// sam-build sets it): one bootstrap per function of template.yaml, a static
// Linux executable for the function's architecture, built from that
// function's own main package with the flags of make build.
func TestSAMBuildOutput(t *testing.T) {
	dir := os.Getenv("SAM_BUILD_DIR")
	if dir == "" {
		t.Skip("SAM_BUILD_DIR is not set: make sam-build runs sam build, then this test")
	}
	root := testenv.Root(t)
	src := readSAMTemplate(t, filepath.Join(root, "template.yaml"))
	built := readSAMTemplate(t, filepath.Join(dir, "template.yaml"))
	module := modulePath(t, root)
	if len(src.functions()) == 0 {
		t.Fatal("template.yaml has no AWS::Serverless::Function")
	}
	for _, name := range src.functions() {
		t.Run(name, func(t *testing.T) {
			fn, ok := built.Resources[name]
			if !ok || fn.Type != "AWS::Serverless::Function" {
				t.Fatalf("the built template has no function %s", name)
			}
			if fn.Properties.CodeURI != name {
				t.Errorf("built CodeUri %q, want %q", fn.Properties.CodeURI, name)
			}
			if rt := built.runtime(name); rt != "provided.al2023" {
				t.Errorf("Runtime %q, want provided.al2023", rt)
			}
			bootstrap := filepath.Join(dir, fn.Properties.CodeURI, "bootstrap")
			checkBootstrap(t, bootstrap, src.architecture(name),
				path.Join(module, filepath.ToSlash(src.Resources[name].Properties.CodeURI)))
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

// samTemplate is the part of a SAM template these tests read.
type samTemplate struct {
	Parameters map[string]samParameter `yaml:"Parameters"`
	Globals    struct {
		Function samFunctionProps `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]samResource `yaml:"-"`
}

// samResource is a resource; Properties are read for functions only.
type samResource struct {
	Type       string
	Properties samFunctionProps
}

type samFunctionProps struct {
	CodeURI       string   `yaml:"CodeUri"`
	Runtime       string   `yaml:"Runtime"`
	Architectures []string `yaml:"Architectures"`
}

func readSAMTemplate(t *testing.T, file string) samTemplate {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		samTemplate `yaml:",inline"`
		Resources   map[string]struct {
			Type       string    `yaml:"Type"`
			Properties yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	tpl := doc.samTemplate
	tpl.Resources = map[string]samResource{}
	for name, r := range doc.Resources {
		res := samResource{Type: r.Type}
		// Other resource types' properties do not fit samFunctionProps.
		if r.Type == "AWS::Serverless::Function" {
			if err := r.Properties.Decode(&res.Properties); err != nil {
				t.Fatalf("%s: %s: %v", file, name, err)
			}
		}
		tpl.Resources[name] = res
	}
	return tpl
}

// functions lists the template's functions, sorted.
func (tpl samTemplate) functions() []string {
	var names []string
	for name, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::Function" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// architecture is the function's Lambda architecture, as SAM resolves it.
func (tpl samTemplate) architecture(fn string) string {
	if a := tpl.Resources[fn].Properties.Architectures; len(a) > 0 {
		return a[0]
	}
	if a := tpl.Globals.Function.Architectures; len(a) > 0 {
		return a[0]
	}
	return "x86_64"
}

func (tpl samTemplate) runtime(fn string) string {
	if rt := tpl.Resources[fn].Properties.Runtime; rt != "" {
		return rt
	}
	return tpl.Globals.Function.Runtime
}

// samParameter is a CloudFormation template parameter.
type samParameter struct {
	Type          string   `yaml:"Type"`
	NoEcho        bool     `yaml:"NoEcho"`
	AllowedValues []string `yaml:"AllowedValues"`
	MinLength     *int     `yaml:"MinLength"`
	MaxLength     *int     `yaml:"MaxLength"`
	MinValue      *float64 `yaml:"MinValue"`
	MaxValue      *float64 `yaml:"MaxValue"`
}

// accepts is the check CloudFormation makes of a parameter value.
func (p samParameter) accepts(v string) error {
	if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, v) {
		return fmt.Errorf("not one of %v", p.AllowedValues)
	}
	switch p.Type {
	case "Number":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		if (p.MinValue != nil && n < *p.MinValue) || (p.MaxValue != nil && n > *p.MaxValue) {
			return fmt.Errorf("out of the range %v..%v", deref(p.MinValue), deref(p.MaxValue))
		}
	case "String":
		if (p.MinLength != nil && len(v) < *p.MinLength) || (p.MaxLength != nil && len(v) > *p.MaxLength) {
			return fmt.Errorf("length %d out of bounds", len(v))
		}
	case "CommaDelimitedList":
		for _, item := range strings.Split(v, ",") {
			if strings.TrimSpace(item) == "" {
				return fmt.Errorf("empty list item")
			}
		}
	default:
		return fmt.Errorf("parameter type %q is not checked here: add it", p.Type)
	}
	return nil
}

func deref(f *float64) any {
	if f == nil {
		return "∞"
	}
	return *f
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
	case []string:
		items = v
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

// readSAMConfig reads the subset of TOML samconfig.toml uses: [a.b.c]
// tables holding key = value, a value a string, a boolean, a number or a
// (possibly multi-line) list of strings. Anything else fails the test.
func readSAMConfig(t *testing.T, file string) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	section := ""
	cfg := map[string]map[string]any{section: {}}
	lines := strings.Split(string(raw), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(stripTOMLComment(lines[i]))
		switch {
		case line == "":
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
			cfg[section] = map[string]any{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s:%d: cannot read %q", file, i+1, line)
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if strings.HasPrefix(v, "[") {
				for !strings.HasSuffix(v, "]") && i+1 < len(lines) {
					i++
					v += " " + strings.TrimSpace(stripTOMLComment(lines[i]))
				}
			}
			val, err := tomlValue(v)
			if err != nil {
				t.Fatalf("%s:%d: %s: %v", file, i+1, k, err)
			}
			cfg[section][k] = val
		}
	}
	return cfg
}

func stripTOMLComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0 && r == quote && (quote == '\'' || i == 0 || line[i-1] != '\\'):
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && r == '#':
			return line[:i]
		}
	}
	return line
}

func tomlValue(v string) (any, error) {
	switch {
	case v == "true" || v == "false":
		return v == "true", nil
	case strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) && len(v) >= 2:
		return strconv.Unquote(v)
	case strings.HasPrefix(v, `'`) && strings.HasSuffix(v, `'`) && len(v) >= 2:
		return v[1 : len(v)-1], nil
	case strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]"):
		var list []string
		for rest := strings.TrimSpace(v[1 : len(v)-1]); rest != ""; {
			q := rest[0]
			if q != '"' && q != '\'' {
				return nil, fmt.Errorf("only lists of strings are read here: %q", rest)
			}
			end := 1
			for end < len(rest) && (rest[end] != q || (q == '"' && rest[end-1] == '\\')) {
				end++
			}
			if end == len(rest) {
				return nil, fmt.Errorf("unterminated string in %q", rest)
			}
			item, err := tomlValue(rest[:end+1])
			if err != nil {
				return nil, err
			}
			list = append(list, item.(string))
			rest = strings.TrimSpace(rest[end+1:])
			rest = strings.TrimSpace(strings.TrimPrefix(rest, ","))
		}
		return list, nil
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return n, nil
	}
	return nil, fmt.Errorf("cannot read value %q", v)
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
