package samcli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoEngine is returned when no container engine can be had on this
// machine: no Docker daemon, and podman cannot be installed.
var ErrNoEngine = errors.New("no container engine")

// Engine is the container engine and base image that sam local runs the
// functions on, as engine.sh and base-image.sh set them up.
type Engine struct {
	Name string // "docker" or "podman"
	// Env is what sam needs to reach the engine (podman: DOCKER_HOST and
	// its containers.conf); empty for Docker, as the user has it.
	Env []string
	// HostAlias is the name by which a container reaches this machine.
	HostAlias string
	// AddHost is an --add-host mapping for sam local, when the engine does
	// not put HostAlias in the containers itself.
	AddHost string
	// Image is the Lambda base image for --invoke-image.
	Image string

	scripts string
	logw    io.Writer
	started bool // StartEngine started the podman service, so Stop stops it
}

// StartEngine starts the container engine (installing podman if need be)
// and gets the base image. It fails with ErrNoEngine when no engine can be
// had here. Stop stops what it started.
func StartEngine(ctx context.Context, root string, logw io.Writer) (*Engine, error) {
	e := &Engine{scripts: filepath.Join(root, "local", "samcli"), logw: logw}
	running := e.script(ctx, nil, io.Discard, "engine.sh", "status") == nil
	// Its log is shown after it, so that a skip is told in one line.
	var log bytes.Buffer
	if err := e.script(ctx, nil, &log, "engine.sh", "start"); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			return nil, fmt.Errorf("%w: %s", ErrNoEngine, noEngineReason(log.String()))
		}
		_, _ = logw.Write(log.Bytes()) // the error below is what counts
		return nil, fmt.Errorf("local/samcli/engine.sh start: %w", err)
	}
	_, _ = logw.Write(log.Bytes()) // a log the caller gave us: best effort
	var exports bytes.Buffer
	if err := e.script(ctx, &exports, logw, "engine.sh", "env"); err != nil {
		return nil, fmt.Errorf("local/samcli/engine.sh env: %w", err)
	}
	vars := parseExports(exports.String())
	e.Name, e.HostAlias, e.AddHost = vars["SAM_ENGINE_NAME"], vars["SAM_HOST_ALIAS"], vars["SAM_ADD_HOST"]
	e.started = !running && e.Name == "podman"
	for _, k := range []string{"DOCKER_HOST", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF"} {
		if v, ok := vars[k]; ok {
			e.Env = append(e.Env, k+"="+v)
		}
	}
	var image bytes.Buffer
	err := e.script(ctx, &image, logw, "base-image.sh")
	if e.Image = strings.TrimSpace(image.String()); err != nil || e.Image == "" {
		e.Stop()
		if err == nil {
			return nil, errors.New("local/samcli/base-image.sh: no image (it printed none)")
		}
		return nil, fmt.Errorf("local/samcli/base-image.sh: no image (%w)", err)
	}
	return e, nil
}

// Stop stops the podman service if StartEngine started it, and unmounts
// what podman leaves mounted.
func (e *Engine) Stop() {
	if e == nil || !e.started {
		return
	}
	e.started = false
	if err := e.script(context.Background(), nil, e.logw, "engine.sh", "stop"); err != nil {
		fmt.Fprintln(e.logw, "local/samcli/engine.sh stop:", err)
	}
}

// script runs one of local/samcli's scripts with the engine's environment.
func (e *Engine) script(ctx context.Context, stdout, stderr io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(e.scripts, name)}, args...)...)
	cmd.Env = append(os.Environ(), e.Env...)
	if e.Name != "" {
		cmd.Env = append(cmd.Env, "SAM_ENGINE_NAME="+e.Name)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd.Run()
}

// parseExports reads engine.sh env's `export NAME=value` lines.
func parseExports(s string) map[string]string {
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "), "="); ok {
			vars[k] = strings.Trim(v, `'"`)
		}
	}
	return vars
}

// noEngineReason is the reason engine.sh gave for exit status 3.
func noEngineReason(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return strings.TrimPrefix(lines[len(lines)-1], "engine: no container engine: ")
}
