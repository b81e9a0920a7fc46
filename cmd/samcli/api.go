package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/profiles-service/profiles/local/fixtures"
	"github.com/profiles-service/profiles/local/samcli"
)

// startAPI serves the API with `sam local start-api` on 127.0.0.1:port, on
// the table at endpoint (make run's: reused, or started), until ctx ends
// (Ctrl-C); then it stops sam, and the DynamoDB Local and the podman service
// if it started them.
func startAPI(ctx context.Context, l *samcli.Local, table, endpoint string, port int, stderr io.Writer) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if listening(addr) {
		return fmt.Errorf("%s is taken: choose another port with SAM_API_PORT", addr)
	}
	stack, stop, err := localStack(ctx, l, table, endpoint, stderr)
	if err != nil {
		return err
	}
	defer stop()
	// Not CommandContext: sam must get SIGTERM, not SIGKILL. SIGTERM also
	// removes its warm containers; it ignores SIGINT when in the background.
	cmd, err := l.Command(context.Background(), "start-api", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--warm-containers", "LAZY")
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	// Its own process group: the terminal's Ctrl-C reaches this process,
	// which then stops sam.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for !listening(addr) {
		select {
		case err := <-exited:
			return fmt.Errorf("sam local start-api exited: %w", err)
		case <-ctx.Done():
			return terminate(cmd.Process.Pid, exited, stderr)
		case <-time.After(200 * time.Millisecond):
		}
	}
	fmt.Fprintf(stderr, `
sam local start-api on http://%s (%s, %s; table %s at %s). Ctrl-C stops it.
  curl http://%s/profiles/%s
  curl http://%s/api/users/%s/profile -H 'x-api-key: %s'
SAM skips the JWT authorizers ("Authorizer ... not found, skipping"): the
admin routes answer without a token, /api/me/* with a 401 from the function.
make run checks tokens and scopes.

`, addr, l.Engine.Name, l.Arch, stack.Config.TableName, stack.Config.Endpoint,
		addr, fixtures.ProfileID, addr, fixtures.UserID, fixtures.APIKey)
	select {
	case err := <-exited:
		return fmt.Errorf("sam local start-api exited: %w", err)
	case <-ctx.Done():
		return terminate(cmd.Process.Pid, exited, stderr)
	}
}

// terminate stops sam with SIGTERM, then SIGKILL if it is still running
// after 15 s.
func terminate(pid int, exited <-chan error, stderr io.Writer) error {
	fmt.Fprintln(stderr, "stopping sam local start-api")
	_ = syscall.Kill(pid, syscall.SIGTERM)
	// Its exit error says only that it was stopped.
	select {
	case <-exited: //nolint:errcheck // see above
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited //nolint:errcheck // see above
	}
	return nil
}

// listening reports whether something accepts connections at addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close() // only dialled, to see that it answers
	return true
}
