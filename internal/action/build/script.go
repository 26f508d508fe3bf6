package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runList runs a list of commands (a phase's commands or its finally
// commands), numbered from first in s.commands, in one shell. A command
// that ends the shell with status 0 (exit 0) ends only itself, as in
// CodeBuild: the commands after it run in a new shell from the state it
// left.
func (s *session) runList(ctx context.Context, first int, cmds []string) outcome {
	for from := 0; from < len(cmds); {
		if ctx.Err() != nil {
			return outcome{interrupted: true}
		}
		end, err := s.runScript(ctx, first+from, cmds[from:])
		if err != nil {
			return outcome{failed: true, message: "Error while starting the shell: " + err.Error()}
		}
		idx, saved := s.load(!end.interrupted)
		switch {
		case end.interrupted:
			return outcome{interrupted: true}
		case end.exit != nil:
			return s.failure(idx, saved, end.exit)
		case !saved || idx-first < from:
			return outcome{}
		}
		from = idx - first + 1
	}
	return outcome{}
}

// failure logs and describes a command that failed, in CodeBuild's words.
func (s *session) failure(idx int, saved bool, waitErr error) outcome {
	command := "(unknown: the shell ended without saving its state)"
	if saved {
		command = s.commands[idx]
	}
	reason := waitErr.Error()
	s.logf("Command did not exit successfully %s %s", command, reason)
	return outcome{failed: true, message: fmt.Sprintf("Error while executing command: %s. Reason: %s", command, reason)}
}

// scriptEnd is how a script's shell ended.
type scriptEnd struct {
	exit        error // from Wait: nil for status 0
	interrupted bool  // the build's context ended first
}

// runScript writes and runs one script; the error is a script that could
// not be started.
func (s *session) runScript(ctx context.Context, first int, cmds []string) (scriptEnd, error) {
	s.scripts++
	path := filepath.Join(s.dir, "script-"+strconv.Itoa(s.scripts)+".sh")
	if err := os.WriteFile(path, []byte(s.script(first, cmds)), 0o600); err != nil {
		return scriptEnd{}, err
	}
	os.Remove(s.stateFile("env"))
	os.Remove(s.stateFile("cwd"))
	cmd := s.command(path)
	if err := cmd.Start(); err != nil {
		return scriptEnd{}, err
	}
	return s.wait(ctx, cmd), nil
}

// script is the shell text that runs cmds. allexport keeps every variable
// a command sets in the saved state. Each command is announced by a marker
// line, then run by eval so that a syntax error is that command's failure;
// a failing command ends the script with its status. The EXIT trap, set
// again before each command with that command's number, saves the state
// however the script ends.
func (s *session) script(first int, cmds []string) string {
	var b strings.Builder
	b.WriteString("set -a\n")
	for i, c := range cmds {
		n := strconv.Itoa(first + i)
		save := quote(s.envBin) + " -0 >| " + quote(s.stateFile("env")) +
			"; printf '%s\\n%s' " + n + " \"$PWD\" >| " + quote(s.stateFile("cwd"))
		fmt.Fprintf(&b, "trap %s EXIT\n", quote(save))
		fmt.Fprintf(&b, "printf '%%s\\n' %s\n", quote(s.nonce+" "+n))
		fmt.Fprintf(&b, "eval %s || exit\n", quote(c))
	}
	return b.String()
}

// quote makes s one single-quoted shell word.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (s *session) stateFile(name string) string {
	return filepath.Join(s.dir, "state-"+name)
}

// command prepares a script's shell with the current state, in the
// build's process group, its output on the build's pipe.
func (s *session) command(script string) *exec.Cmd {
	dir := s.cwd
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		s.logf("Directory %s is gone; moving to %s", dir, s.run.SourceDir)
		dir = s.run.SourceDir
	}
	s.env[envSucceeding] = "0"
	if s.succeeding {
		s.env[envSucceeding] = "1"
	}
	cmd := exec.Command(s.shell, script)
	cmd.Dir, cmd.Env = dir, environList(s.env)
	cmd.Stdout, cmd.Stderr = s.logW, s.logW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: s.pgid}
	return cmd
}

// wait waits for the shell. If ctx ends first, the whole group gets
// SIGTERM, and SIGKILL if the shell outlives the grace period.
func (s *session) wait(ctx context.Context, cmd *exec.Cmd) scriptEnd {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return scriptEnd{exit: err}
	case <-ctx.Done():
	}
	s.signal(syscall.SIGTERM)
	grace := time.NewTimer(s.run.KillGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		return scriptEnd{exit: err, interrupted: true}
	case <-grace.C:
	}
	s.signal(syscall.SIGKILL)
	return scriptEnd{exit: <-done, interrupted: true}
}

// load reads the state a script saved and makes it current; it returns
// the number of the command the script ended in. Without a saved state
// (the shell was replaced by exec, or killed) the state stays as it was.
func (s *session) load(warn bool) (int, bool) {
	envData, envErr := os.ReadFile(s.stateFile("env"))
	cwdData, cwdErr := os.ReadFile(s.stateFile("cwd"))
	n, dir, _ := strings.Cut(string(cwdData), "\n")
	idx, idxErr := strconv.Atoi(n)
	if err := errors.Join(envErr, cwdErr, idxErr); err != nil || idx < 0 || idx >= len(s.commands) {
		if warn {
			s.logf("The shell ended without saving its state; the next commands start from the state before it")
		}
		return 0, false
	}
	s.env = parseEnvDump(envData)
	if dir != "" {
		s.cwd = dir
	}
	return idx, true
}
