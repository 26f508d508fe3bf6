package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"
)

// command is a process run for an action: its own process group (so a
// timeout kills everything it started), a scrubbed environment and a
// time limit.
type command struct {
	Argv    []string
	Dir     string
	Env     map[string]string
	Stdin   io.Reader
	Output  io.Writer // stdout and stderr; nil keeps only the tail
	Timeout time.Duration
}

// tailSize is how much of a failed command's output its failure shows.
const tailSize = 2000

// run runs the command and returns the tail of its output.
func (c *command) run(ctx context.Context) (string, error) {
	if len(c.Argv) == 0 {
		return "", errors.New("empty command")
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Dir, cmd.Stdin, cmd.Env = c.Dir, c.Stdin, envList(c.Env)
	tail := &tailBuffer{max: tailSize}
	out := io.Writer(tail)
	if c.Output != nil {
		out = io.MultiWriter(c.Output, tail)
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own group, so a timeout kills all it started; and it dies with
	// a server killed without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return tail.String(), fmt.Errorf("timed out after %s", c.Timeout)
	}
	return tail.String(), err
}

// scrubbedEnv is the environment every action process starts from: never
// the server's own, which may hold its secrets.
func scrubbedEnv(home string) map[string]string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return map[string]string{"PATH": path, "HOME": home, "LANG": "C.UTF-8", "TMPDIR": home}
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return t.buf.String() }
