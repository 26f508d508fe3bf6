package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// requireGone waits, on a pidfd rather than by polling, for the process
// whose id is in file to end; it fails if that takes more than a few
// seconds.
func requireGone(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the build did not record its background process: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return
	}
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 5000)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("process %d still runs 5s after the build", pid)
		}
		return
	}
}

func TestTimeoutKillsTheGroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		command string
	}{
		{"sleep and a background child", `sleep 60 & echo $! > "$PIDS/bg"; sleep 60`},
		{"children that ignore SIGTERM", `trap '' TERM; sleep 60 & echo $! > "$PIDS/bg"; sleep 60`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pids := t.TempDir()
			yaml := "version: 0.2\nphases:\n  build:\n    commands:\n      - " + quoteYAML(tc.command) +
				"\n    finally: [echo never]\n  post_build:\n    commands: [echo never]\n"
			start := time.Now()
			res, log := execute(t, yaml, func(r *Run) {
				r.Timeout, r.KillGrace = 300*time.Millisecond, 200*time.Millisecond
				r.Env = map[string]string{"PIDS": pids}
			})
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("the build took %s", took)
			}
			if res.Status != StatusTimedOut || res.FailedPhase != PhaseBuild || res.Message != "Build timed out after 300ms" {
				t.Errorf("result %s in %s: %q", res.Status, res.FailedPhase, res.Message)
			}
			if strings.Contains(log, "never") {
				t.Errorf("something ran after the timeout:\n%s", log)
			}
			requireLog(t, log, "Phase complete: BUILD State: TIMED_OUT")
			requireGone(t, filepath.Join(pids, "bg"))
		})
	}
}

// cancelOn cancels a context when the build log shows a string.
type cancelOn struct {
	mu     sync.Mutex
	seen   strings.Builder
	signal string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen.Write(p)
	if strings.Contains(c.seen.String(), c.signal) {
		c.cancel()
	}
	return len(p), nil
}

func TestCancelStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &cancelOn{signal: "started\n", cancel: cancel}
	r := &Run{
		Spec:      mustParse(t, "version: 0.2\nphases:\n  build:\n    commands: ['echo started; sleep 60']\n  post_build:\n    commands: [echo never]\n"),
		SourceDir: t.TempDir(),
		Log:       log,
	}
	res, err := r.Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusStopped || res.FailedPhase != PhaseBuild {
		t.Errorf("result %s in %s, want STOPPED in BUILD", res.Status, res.FailedPhase)
	}
	if strings.Contains(log.seen.String(), "never") {
		t.Errorf("post_build ran after the stop:\n%s", log.seen.String())
	}
}

func TestBackgroundProcesses(t *testing.T) {
	t.Parallel()
	pids := t.TempDir()
	res, log := execute(t, `
version: 0.2
phases:
  install:
    commands:
      - sleep 60 & echo $! > "$PIDS/bg"
  build:
    commands:
      - kill -0 "$(cat "$PIDS/bg")"
`, func(r *Run) { r.Env = map[string]string{"PIDS": pids} })
	if !res.Succeeded() {
		t.Fatalf("a process started in install did not live into build: %s\n%s", res.Message, log)
	}
	requireGone(t, filepath.Join(pids, "bg"))
	if strings.Contains(log, "still hold its output") {
		t.Errorf("the background process outlived the build:\n%s", log)
	}
}
