package samcli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// Local runs `sam local` on a build of the project.
type Local struct {
	SAM      string // the sam executable
	Root     string // the repository root
	BuildDir string // what sam build wrote (its template.yaml)
	Arch     string // the Architecture the build is for: the host's
	EnvFile  string // the --env-vars file (EnvFile)
	Engine   *Engine
	// Environ is the environment sam starts from (os.Environ() when nil);
	// Command removes what must not reach sam or the functions.
	Environ []string
}

// Command is `sam local <sub>` with the flags every local run needs, then
// args, in the repository root:
//   - the built template, --env-vars and the Architecture of the build;
//   - the engine's base image (--invoke-image) with --skip-pull-image: a
//     stand-in exists only here, and without the flag SAM asks the registry
//     whether it is current, then rebuilds its image with a pull that fails;
//   - --region, and --add-host when the engine needs it.
func (l *Local) Command(ctx context.Context, sub string, args ...string) (*exec.Cmd, error) {
	env, err := l.environment()
	if err != nil {
		return nil, err
	}
	argv := []string{"local", sub,
		"--template-file", filepath.Join(l.BuildDir, "template.yaml"),
		"--env-vars", l.EnvFile,
		"--parameter-overrides", "Architecture=" + l.Arch,
		"--invoke-image", l.Engine.Image, "--skip-pull-image",
		"--region", Region}
	if l.Engine.AddHost != "" {
		argv = append(argv, "--add-host", l.Engine.AddHost)
	}
	cmd := exec.CommandContext(ctx, l.SAM, append(argv, args...)...)
	cmd.Dir, cmd.Env = l.Root, env
	return cmd, nil
}

// environment is sam's environment: the caller's, less every AWS_ variable
// and every variable template.yaml gives the functions, plus the engine's.
//   - SAM copies the host's credentials (environment or profile) into every
//     function's container, and with credentials each sam local command first
//     calls STS (5 to 11 s of retries offline; on a developer's machine it
//     reaches the real account): sam runs with none, no config files, and no
//     instance metadata to ask;
//   - a template variable set in the shell (DYNAMODB_ENDPOINT for make run,
//     say) would reach the functions where the env file does not name it;
//   - the region is pinned (see Region).
func (l *Local) environment() ([]string, error) {
	tpl, err := samtemplate.Load(filepath.Join(l.Root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	res := tpl.Resolver()
	for _, fn := range tpl.Functions {
		vars, err := res.Environment(fn)
		if err != nil {
			return nil, err
		}
		for k := range vars {
			drop[k] = true
		}
	}
	base := l.Environ
	if base == nil {
		base = os.Environ()
	}
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] && !strings.HasPrefix(k, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, l.Engine.Env...)
	env = append(env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_DEFAULT_REGION="+Region, "SAM_CLI_TELEMETRY=0")
	return env, nil
}

// WriteEnvFile writes EnvFile(table, the endpoint as the containers reach
// it) to l.EnvFile.
func (l *Local) WriteEnvFile(table, endpoint string) error {
	endpoint, err := ContainerEndpoint(endpoint, l.Engine.HostAlias)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.EnvFile), 0o755); err != nil {
		return err
	}
	return os.WriteFile(l.EnvFile, EnvFile(table, endpoint), 0o644)
}

// CheckBuild reports whether BuildDir holds a sam build of every function.
func (l *Local) CheckBuild() error {
	built, err := samtemplate.Load(filepath.Join(l.BuildDir, "template.yaml"))
	if err != nil {
		return fmt.Errorf("no sam build in %s (make sam-invoke and make sam-api build first): %w", l.BuildDir, err)
	}
	var missing []string
	for _, fn := range built.Functions {
		if _, err := os.Stat(filepath.Join(l.BuildDir, fn.CodeURI, "bootstrap")); err != nil {
			missing = append(missing, fn.Name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("%s: no bootstrap for %s", l.BuildDir, strings.Join(missing, ", "))
	}
	return nil
}
