package build

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// drainWait is how long a finished build waits for its output pipe to
// close: only a process that left the process group can hold it longer.
const drainWait = 2 * time.Second

// session is one build's machinery: its temporary directory, its process
// group, its output pipe and the state carried from one script to the next.
type session struct {
	run    *Run
	dir    string // temporary root: home/, tmp/, scripts and state files
	shell  string // absolute path of the shell
	envBin string // absolute path of env, which dumps the state

	// commands lists every command of the buildspec; a marker's number
	// indexes it, and offsets say where each phase's lists start.
	commands []string
	offsets  map[PhaseName]listOffsets
	nonce    string

	leader   *exec.Cmd // holds the process group; reaped only by close
	leaderIn *os.File  // the leader waits to read from it
	pgid     int

	logR, logW *os.File
	logDone    chan struct{}

	env        map[string]string // the state: environment and directory
	cwd        string
	succeeding bool
	scripts    int
}

// listOffsets are the indexes in session.commands where a phase's
// commands and its finally commands start.
type listOffsets struct{ commands, finally int }

// open prepares a build: directories, output pipe and process group.
func (r *Run) open() (*session, error) {
	shell, err := r.shellPath()
	if err != nil {
		return nil, err
	}
	envBin, err := exec.LookPath("env")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	dir, err := os.MkdirTemp("", "sluice-build-")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	s := &session{run: r, dir: dir, shell: shell, envBin: envBin, cwd: r.SourceDir, succeeding: true}
	s.index()
	if err := s.start(); err != nil {
		s.close()
		return nil, fmt.Errorf("build: %w", err)
	}
	return s, nil
}

// shellPath picks the shell: the buildspec's, Run.Shell, bash, then sh.
func (r *Run) shellPath() (string, error) {
	name := r.Spec.Env.Shell
	if name == "" {
		name = r.Shell
	}
	if name == "" {
		if p, err := exec.LookPath("bash"); err == nil {
			return p, nil
		}
		name = "sh"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("build: shell: %w", err)
	}
	return p, nil
}

// index numbers every command for the markers.
func (s *session) index() {
	s.offsets = make(map[PhaseName]listOffsets)
	for _, np := range s.run.Spec.Phases.list() {
		if np.phase == nil {
			continue
		}
		first := len(s.commands)
		s.commands = append(s.commands, np.phase.Commands...)
		s.offsets[np.name] = listOffsets{commands: first, finally: len(s.commands)}
		s.commands = append(s.commands, np.phase.Finally...)
	}
}

// start makes HOME and TMPDIR, the output pipe and the group's leader.
func (s *session) start() error {
	home, tmp := filepath.Join(s.dir, "home"), filepath.Join(s.dir, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
	}
	s.env = s.run.environ(home, tmp)
	nonce := make([]byte, 12)
	rand.Read(nonce)
	s.nonce = "::sluice-" + hex.EncodeToString(nonce) + "::"
	if err := s.startLog(); err != nil {
		return err
	}
	return s.startLeader()
}

func (s *session) startLog() error {
	var err error
	if s.logR, s.logW, err = os.Pipe(); err != nil {
		return err
	}
	s.logDone = make(chan struct{})
	f := &logFilter{out: s.run.Log, nonce: []byte(s.nonce), commands: s.commands}
	go f.run(s.logR, s.logDone)
	return nil
}

// startLeader starts the process that holds the build's process group.
// While it is alive, or a zombie not yet reaped, the group id cannot be
// given to anyone else, so signalling the group never hits a stranger.
// The write end of its stdin must not leak into other children, or their
// life would keep the pipe open: os.Pipe makes it close-on-exec.
func (s *session) startLeader() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	s.leaderIn = w
	// sh starts faster than bash, and the leader runs nothing of the build.
	sh, err := exec.LookPath("sh")
	if err != nil {
		sh = s.shell
	}
	// When its stdin closes, the leader kills the group: at the end of
	// the build, and also when the server dies without cleaning up (the
	// kernel closes the pipe), so no build outlives the server.
	cmd := exec.Command(sh, "-c", "read x; kill -KILL 0")
	cmd.Dir, cmd.Env, cmd.Stdin = s.dir, []string{}, r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the process group: %w", err)
	}
	s.leader, s.pgid = cmd, cmd.Process.Pid
	return nil
}

// signal sends sig to every process of the build's group.
func (s *session) signal(sig syscall.Signal) {
	if s.pgid > 0 {
		syscall.Kill(-s.pgid, sig)
	}
}

// logf writes one of the runner's own lines through the output pipe, so
// it lands after everything the commands wrote before it.
func (s *session) logf(format string, args ...any) {
	s.logW.Write(containerLine(format, args...))
}

// close kills what is left of the build, waits for its output to drain
// and removes its temporary directory.
func (s *session) close() {
	if s.leader != nil {
		s.signal(syscall.SIGKILL)
		s.leaderIn.Close()
		s.leader.Wait()
	}
	if s.logW != nil {
		s.logW.Close()
		s.logR.SetReadDeadline(time.Now().Add(drainWait))
		<-s.logDone
		s.logR.Close()
	}
	removeAll(s.dir)
}

// removeAll removes a build's directory even where the build made parts
// of it read-only, as module caches do.
func removeAll(dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	os.RemoveAll(dir)
}
