package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// defaultKillGrace is how long a timed-out or stopped build has between
// SIGTERM and SIGKILL when Run.KillGrace is zero.
const defaultKillGrace = 5 * time.Second

// Run is one build to execute. Execute only reads its fields, so a Run
// may be executed again, even concurrently: each Execute is a build of
// its own.
type Run struct {
	Spec *Spec
	// SourceDir is the primary source: the first working directory and
	// CODEBUILD_SRC_DIR.
	SourceDir string
	// Secondary maps secondary source names to their directories, each
	// seen as CODEBUILD_SRC_DIR_<name>.
	Secondary map[string]string
	// Env are the action's and project's variables; they override the
	// buildspec's env.variables, and may supply the variables the
	// buildspec would read from parameter-store or secrets-manager.
	Env map[string]string
	// BaseEnv are the build's CODEBUILD_* and AWS_* values, chosen by the
	// caller (CODEBUILD_BUILD_ID, CODEBUILD_BUILD_ARN, AWS_REGION, ...).
	BaseEnv map[string]string
	// Timeout ends the build when it has run this long; zero means only
	// the context ends it.
	Timeout time.Duration
	// KillGrace is the time between SIGTERM and SIGKILL when the build
	// is ended early; zero means five seconds.
	KillGrace time.Duration
	// Log receives the build log: the commands' stdout and stderr and the
	// runner's "[Container]" lines. Only one goroutine writes to it at a
	// time, and none after Execute returns. Nil discards the log.
	Log io.Writer
	// Shell is the shell when the buildspec names none: a name found in
	// PATH or a path. Empty means bash if there is one, else sh.
	Shell string
}

// Status is how a build or a phase ended, in CodeBuild's words.
type Status string

// The statuses of builds and phases.
const (
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT" // Run.Timeout passed
	StatusStopped   Status = "STOPPED"   // the context ended
)

// Result is how a build went.
type Result struct {
	Status Status
	// FailedPhase and Message say where and why a build did not succeed,
	// as in "Error while executing command: make. Reason: exit status 2".
	FailedPhase PhaseName
	Message     string
	// Exported holds the env.exported-variables that were set when the
	// build ended; a variable never set is absent.
	Exported map[string]string
	// Phases are the phases that ran, in order.
	Phases []PhaseResult
}

// Succeeded reports whether every phase that ran succeeded.
func (r *Result) Succeeded() bool { return r.Status == StatusSucceeded }

// PhaseResult is how one phase went.
type PhaseResult struct {
	Name     PhaseName
	Status   Status
	Duration time.Duration
	Message  string // why it did not succeed
}

// errTimedOut is the cause of the context of a build past its Timeout.
var errTimedOut = errors.New("build timed out")

// Execute runs the build to its end and says how it went. A failing
// command is a Result, not an error: the error is for a build that could
// not be run at all (no such source directory, no shell, no temporary
// directory). When Execute returns, the build's processes have been
// killed and its temporary HOME and TMPDIR removed.
func (r *Run) Execute(ctx context.Context) (*Result, error) {
	run, err := r.checked()
	if err != nil {
		return nil, err
	}
	for _, n := range run.Spec.Notes {
		run.Log.Write(containerLine("%s", n))
	}
	if res := run.secretFailure(); res != nil {
		return res, nil
	}
	ctx, cancel := run.deadline(ctx)
	defer cancel()
	s, err := run.open()
	if err != nil {
		return nil, err
	}
	res := s.build(ctx)
	s.close()
	return res, nil
}

// checked returns a copy of r with defaults filled and directories made
// absolute, or why it cannot run.
func (r *Run) checked() (*Run, error) {
	if r.Spec == nil {
		return nil, errors.New("build: no buildspec")
	}
	c := *r
	var err error
	if c.SourceDir, err = existingDir(r.SourceDir, "source"); err != nil {
		return nil, err
	}
	c.Secondary = make(map[string]string, len(r.Secondary))
	for name, dir := range r.Secondary {
		if c.Secondary[name], err = existingDir(dir, "secondary source "+name); err != nil {
			return nil, err
		}
	}
	if err := checkEnv(r.Env, r.BaseEnv, c.Secondary); err != nil {
		return nil, err
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.KillGrace <= 0 {
		c.KillGrace = defaultKillGrace
	}
	return &c, nil
}

// checkEnv refuses variables no environment can hold, before anything runs.
func checkEnv(env, base, secondary map[string]string) error {
	for _, m := range []map[string]string{env, base} {
		for name, value := range m {
			if !validName(name) || strings.ContainsRune(value, 0) {
				return fmt.Errorf("build: environment variable %q cannot be set", name)
			}
		}
	}
	for name := range secondary {
		if !validName(name) {
			return fmt.Errorf("build: secondary source name %q cannot name a variable", name)
		}
	}
	return nil
}

func existingDir(dir, what string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("build: no %s directory", what)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("build: %s directory: %w", what, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("build: %s directory: %w", what, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("build: %s directory %s is not a directory", what, abs)
	}
	return abs, nil
}

// secretFailure fails a build that would need a secret nobody supplied:
// running without it could do worse than not running.
func (r *Run) secretFailure() *Result {
	name, source, ref := r.missingSecret()
	if name == "" {
		return nil
	}
	msg := fmt.Sprintf("Decrypted Variables Error: variable %s comes from env.%s (%s), which builds run here cannot read; supply it as an environment variable of the action instead", name, source, ref)
	r.Log.Write(containerLine("Phase complete: %s State: %s", PhaseProvisioning, StatusFailed))
	r.Log.Write(containerLine("Phase context status code: CLIENT_ERROR Message: %s", msg))
	return &Result{
		Status:      StatusFailed,
		FailedPhase: PhaseProvisioning,
		Message:     msg,
		Phases:      []PhaseResult{{Name: PhaseProvisioning, Status: StatusFailed, Message: msg}},
	}
}

func (r *Run) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, r.Timeout, errTimedOut)
}

// stopReason tells a timed-out build from a stopped one once ctx is done.
func (r *Run) stopReason(ctx context.Context) (Status, string) {
	if errors.Is(context.Cause(ctx), errTimedOut) {
		return StatusTimedOut, fmt.Sprintf("Build timed out after %s", r.Timeout)
	}
	return StatusStopped, "Build stopped"
}
