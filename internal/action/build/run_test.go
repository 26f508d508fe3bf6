package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// leakName is set in the test process; no build may see it.
const leakName = "SLUICE_BUILD_TEST_SERVER_SECRET"

func TestMain(m *testing.M) {
	os.Setenv(leakName, "server-only")
	os.Exit(m.Run())
}

// mustParse parses a buildspec written by a test.
func mustParse(tb testing.TB, yaml string) *Spec {
	tb.Helper()
	spec, err := Parse([]byte(yaml))
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return spec
}

// execute runs a buildspec in a fresh source directory; edit may change
// the Run first. It returns the result and the build log.
func execute(t *testing.T, yaml string, edit func(r *Run)) (*Result, string) {
	t.Helper()
	var log bytes.Buffer
	r := &Run{Spec: mustParse(t, yaml), SourceDir: t.TempDir(), Timeout: time.Minute, Log: &log}
	if edit != nil {
		edit(r)
	}
	res, err := r.Execute(context.Background())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	return res, log.String()
}

func phaseNames(res *Result) []PhaseName {
	var out []PhaseName
	for _, p := range res.Phases {
		out = append(out, p.Name)
	}
	return out
}

// requireLog fails unless every want appears in log, in this order.
func requireLog(t *testing.T, log string, want ...string) {
	t.Helper()
	rest := log
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("log lacks %q (in this order) in:\n%s", w, log)
		}
		rest = rest[i+len(w):]
	}
}

func TestPhaseTransitions(t *testing.T) {
	t.Parallel()
	all := []PhaseName{PhaseInstall, PhasePreBuild, PhaseBuild, PhasePostBuild}
	tests := []struct {
		name      string
		fail      map[string]OnFailure // phases that fail, with their on-failure
		only      []string             // phases declared; all four when empty
		ran       []PhaseName
		failed    PhaseName
		succeeded bool
	}{
		{name: "all succeed", ran: all, succeeded: true},
		{name: "install fails", fail: map[string]OnFailure{"install": ""}, ran: all[:1], failed: PhaseInstall},
		{name: "pre_build fails", fail: map[string]OnFailure{"pre_build": ""}, ran: all[:2], failed: PhasePreBuild},
		{name: "build fails, post_build runs", fail: map[string]OnFailure{"build": ""}, ran: all, failed: PhaseBuild},
		{name: "post_build fails", fail: map[string]OnFailure{"post_build": ""}, ran: all, failed: PhasePostBuild},
		{name: "build ABORT skips post_build", fail: map[string]OnFailure{"build": OnFailureAbort}, ran: all[:3], failed: PhaseBuild},
		{name: "install ABORT", fail: map[string]OnFailure{"install": OnFailureAbort}, ran: all[:1], failed: PhaseInstall},
		{name: "install CONTINUE", fail: map[string]OnFailure{"install": OnFailureContinue}, ran: all, failed: PhaseInstall},
		{name: "pre_build CONTINUE then build fails", fail: map[string]OnFailure{"pre_build": OnFailureContinue, "build": ""}, ran: all, failed: PhasePreBuild},
		{name: "install CONTINUE then pre_build fails", fail: map[string]OnFailure{"install": OnFailureContinue, "pre_build": ""}, ran: all[:2], failed: PhaseInstall},
		{name: "only build", only: []string{"build"}, ran: []PhaseName{PhaseBuild}, succeeded: true},
		{name: "only build and post_build, build fails", only: []string{"build", "post_build"}, fail: map[string]OnFailure{"build": ""}, ran: all[2:], failed: PhaseBuild},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, log := execute(t, transitionSpec(tc.only, tc.fail), nil)
			if got := phaseNames(res); !reflect.DeepEqual(got, tc.ran) {
				t.Errorf("phases run = %v, want %v", got, tc.ran)
			}
			if res.Succeeded() != tc.succeeded || res.FailedPhase != tc.failed {
				t.Errorf("result %s in %q, want succeeded=%v failed phase %q", res.Status, res.FailedPhase, tc.succeeded, tc.failed)
			}
			if strings.Contains(log, "after-fail") {
				t.Errorf("a command after a failing one ran:\n%s", log)
			}
		})
	}
}

// transitionSpec declares the phases named (all four when none), each
// echoing its name, and failing where fail says.
func transitionSpec(only []string, fail map[string]OnFailure) string {
	if len(only) == 0 {
		only = []string{"install", "pre_build", "build", "post_build"}
	}
	var b strings.Builder
	b.WriteString("version: 0.2\nphases:\n")
	for _, name := range only {
		fmt.Fprintf(&b, "  %s:\n", name)
		f, fails := fail[name]
		if f != "" {
			fmt.Fprintf(&b, "    on-failure: %s\n", f)
		}
		fmt.Fprintf(&b, "    commands:\n      - echo ran-%s\n", name)
		if fails {
			b.WriteString("      - \"false\"\n      - echo after-fail\n")
		}
	}
	return b.String()
}

func TestFinally(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		status  Status
		message string
		log     []string
	}{
		{
			name: "runs after a failing command, in its directory",
			yaml: `
version: 0.2
phases:
  build:
    commands:
      - mkdir -p sub && cd sub
      - exit 4
      - echo never
    finally:
      - echo "finally in $(basename "$PWD") succeeding=$CODEBUILD_BUILD_SUCCEEDING"
      - echo second finally`,
			status:  StatusFailed,
			message: "Error while executing command: exit 4. Reason: exit status 4",
			log:     []string{"Command did not exit successfully exit 4 exit status 4", "finally in sub succeeding=0", "second finally", "Phase complete: BUILD State: FAILED"},
		},
		{
			name: "a failing finally fails the phase",
			yaml: `
version: 0.2
phases:
  build:
    commands: [echo fine]
    finally: ["false", echo never]`,
			status:  StatusFailed,
			message: "Error while executing command: false. Reason: exit status 1",
			log:     []string{"fine", "Running command false", "Phase complete: BUILD State: FAILED"},
		},
		{
			name: "the first failure is the message",
			yaml: `
version: 0.2
phases:
  build:
    commands: [exit 2]
    finally: [exit 3]`,
			status:  StatusFailed,
			message: "Error while executing command: exit 2. Reason: exit status 2",
		},
		{
			name: "install's finally runs, the build does not",
			yaml: `
version: 0.2
phases:
  install:
    commands: ["false"]
    finally: [echo cleanup]
  build:
    commands: [echo never]`,
			status:  StatusFailed,
			message: "Error while executing command: false. Reason: exit status 1",
			log:     []string{"cleanup", "Phase complete: INSTALL State: FAILED"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, log := execute(t, tc.yaml, nil)
			if res.Status != tc.status || res.Message != tc.message {
				t.Errorf("result %s %q, want %s %q", res.Status, res.Message, tc.status, tc.message)
			}
			requireLog(t, log, tc.log...)
			if strings.Contains(log, "never\n") {
				t.Errorf("a command after a failure ran:\n%s", log)
			}
		})
	}
}

func TestStatePersists(t *testing.T) {
	t.Parallel()
	res, log := execute(t, `
version: 0.2
phases:
  install:
    commands:
      - mkdir -p a/b && cd a
      - echo "cmd2 in $(basename "$PWD")"
      - PLAIN=one
      - export EXPORTED=two
      - unexported_lower=three
  pre_build:
    commands:
      - cd b
      - exit 0
      - echo "after exit 0 in $(basename "$PWD")"
  build:
    commands:
      - echo "build sees $(basename "$PWD") $PLAIN $EXPORTED $unexported_lower"
      - sh -c 'echo "child sees $PLAIN"'
      - PLAIN=changed
    finally:
      - echo "finally sees $PLAIN"
  post_build:
    commands:
      - echo "post_build sees $PLAIN in $(basename "$PWD")"
`, nil)
	if !res.Succeeded() {
		t.Fatalf("build %s: %s\n%s", res.Status, res.Message, log)
	}
	requireLog(t, log,
		"cmd2 in a",
		"after exit 0 in b",
		"build sees b one two three",
		"child sees one",
		"finally sees changed",
		"post_build sees changed in b")
}

func TestCommandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ command, message string }{
		{"exit 3", "Error while executing command: exit 3. Reason: exit status 3"},
		{"if then", "Error while executing command: if then. Reason: exit status 2"},
		{"no-such-command-here", "Error while executing command: no-such-command-here. Reason: exit status 127"},
		{"sh -c 'kill -9 $$'", "Error while executing command: sh -c 'kill -9 $$'. Reason: exit status 137"},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			t.Parallel()
			yaml := fmt.Sprintf("version: 0.2\nphases:\n  build:\n    commands:\n      - %s\n      - echo never\n", quoteYAML(tc.command))
			res, log := execute(t, yaml, nil)
			if res.Message != tc.message || res.FailedPhase != PhaseBuild {
				t.Errorf("message %q in %s, want %q in BUILD", res.Message, res.FailedPhase, tc.message)
			}
			if strings.Contains(log, "never\n") {
				t.Errorf("the next command ran:\n%s", log)
			}
		})
	}
}

func quoteYAML(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

func TestExportedVariables(t *testing.T) {
	t.Parallel()
	res, _ := execute(t, `
version: 0.2
env:
  variables:
    FROM_SPEC: spec
  exported-variables: [TAG, NEVER_SET, FROM_SPEC, FROM_ENV]
phases:
  install:
    commands: [TAG=v1]
  build:
    commands: [TAG=v2]
`, func(r *Run) { r.Env = map[string]string{"FROM_ENV": "env"} })
	want := map[string]string{"TAG": "v2", "FROM_SPEC": "spec", "FROM_ENV": "env"}
	if !reflect.DeepEqual(res.Exported, want) {
		t.Errorf("Exported = %v, want %v", res.Exported, want)
	}
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	secondary := t.TempDir()
	var src string
	res, log := execute(t, `
version: 0.2
env:
  variables:
    B: spec
    C: spec
    D: spec
phases:
  build:
    commands:
      - echo "A=$A B=$B C=$C D=$D"
      - echo "src=$CODEBUILD_SRC_DIR tools=$CODEBUILD_SRC_DIR_tools succeeding=$CODEBUILD_BUILD_SUCCEEDING"
      - echo "leak=[$`+leakName+`]"
      - echo "pwd=$PWD"
`, func(r *Run) {
		src = r.SourceDir
		r.BaseEnv = map[string]string{"A": "base", "B": "base", "C": "base", "D": "base", "CODEBUILD_SRC_DIR": "/elsewhere"}
		r.Env = map[string]string{"C": "env", "CODEBUILD_BUILD_SUCCEEDING": "7"}
		r.Secondary = map[string]string{"tools": secondary}
	})
	if !res.Succeeded() {
		t.Fatalf("build %s: %s", res.Status, res.Message)
	}
	requireLog(t, log,
		"A=base B=spec C=env D=spec",
		fmt.Sprintf("src=%s tools=%s succeeding=1", src, secondary),
		"leak=[]",
		"pwd="+src)
}

func TestScrubbedEnvironment(t *testing.T) {
	t.Parallel()
	res, log := execute(t, `
version: 0.2
phases:
  build:
    commands:
      - test -d "$HOME" && test -w "$TMPDIR"
      - echo "home=$HOME"
      - env | cut -d= -f1 | sort | sed 's/^/var:/'
`, nil)
	if !res.Succeeded() {
		t.Fatalf("build %s: %s\n%s", res.Status, res.Message, log)
	}
	allowed := map[string]bool{
		"PATH": true, "HOME": true, "LANG": true, "TMPDIR": true, "CODEBUILD_SRC_DIR": true,
		"CODEBUILD_BUILD_SUCCEEDING": true, "PWD": true, "OLDPWD": true, "SHLVL": true, "_": true,
	}
	var home string
	for _, line := range strings.Split(log, "\n") {
		if name, ok := strings.CutPrefix(line, "var:"); ok && !allowed[name] {
			t.Errorf("the build sees %s", name)
		}
		if h, ok := strings.CutPrefix(line, "home="); ok {
			home = h
		}
	}
	if home == "" || home == os.Getenv("HOME") {
		t.Fatalf("HOME = %q, want a directory of the build's own", home)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("the build's HOME %s is still there after the build (%v)", home, err)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	const yaml = `
version: 0.2
env:
  parameter-store:
    DB_PASSWORD: /prod/db/password
  secrets-manager:
    TOKEN: prod/token:token
phases:
  build:
    commands: [echo "ran with $DB_PASSWORD $TOKEN"]
`
	res, log := execute(t, yaml, func(r *Run) { r.Env = map[string]string{"TOKEN": "t"} })
	if res.Status != StatusFailed || res.FailedPhase != PhaseProvisioning {
		t.Fatalf("result %s in %s, want FAILED in PROVISIONING", res.Status, res.FailedPhase)
	}
	if !strings.Contains(res.Message, "DB_PASSWORD") || !strings.Contains(res.Message, "/prod/db/password") {
		t.Errorf("message %q does not name the variable and its parameter", res.Message)
	}
	if strings.Contains(log, "ran with") {
		t.Errorf("the build ran without its secret:\n%s", log)
	}
	res, log = execute(t, yaml, func(r *Run) { r.Env = map[string]string{"TOKEN": "t", "DB_PASSWORD": "p"} })
	if !res.Succeeded() {
		t.Fatalf("with the secrets supplied: %s %s", res.Status, res.Message)
	}
	requireLog(t, log, "ran with p t")
}

func TestShell(t *testing.T) {
	t.Parallel()
	const bashOnly = "version: 0.2\nenv:\n  shell: bash\nphases:\n  build:\n    commands: ['test -n \"$BASH_VERSION\"']\n"
	res, _ := execute(t, bashOnly, func(r *Run) { r.Shell = "/no/such/shell" })
	if !res.Succeeded() {
		t.Errorf("env.shell bash did not win over Run.Shell: %s", res.Message)
	}
	r := &Run{Spec: mustParse(t, "version: 0.2\nphases:\n  build:\n    commands: [true]\n"), SourceDir: t.TempDir(), Shell: "/no/such/shell"}
	if _, err := r.Execute(context.Background()); err == nil {
		t.Error("Execute with a missing shell: no error")
	}
}

func TestLogFormat(t *testing.T) {
	t.Parallel()
	res, log := execute(t, `
version: 0.2
run-as: nobody
phases:
  build:
    commands:
      - printf partial
      - echo to-stderr >&2
`, nil)
	if !res.Succeeded() {
		t.Fatalf("build %s: %s", res.Status, res.Message)
	}
	requireLog(t, log,
		" buildspec line 3: run-as is ignored",
		" Entering phase BUILD\n",
		" Running command printf partial\n",
		"partial\n[Container] ",
		"Running command echo to-stderr >&2\nto-stderr\n",
		" Phase complete: BUILD State: SUCCEEDED\n",
		" Phase context status code:  Message: \n")
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if strings.HasPrefix(line, "[Container] ") {
			if _, err := time.Parse(logStamp, line[12:12+len(logStamp)]); err != nil {
				t.Errorf("line %q: %v", line, err)
			}
		}
	}
}

func TestBadRun(t *testing.T) {
	t.Parallel()
	spec := mustParse(t, "version: 0.2\nphases: {}\n")
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	for _, r := range []*Run{
		{SourceDir: t.TempDir()},
		{Spec: spec},
		{Spec: spec, SourceDir: file},
		{Spec: spec, SourceDir: t.TempDir(), Secondary: map[string]string{"x": "/no/such/dir"}},
		{Spec: spec, SourceDir: t.TempDir(), Secondary: map[string]string{"a=b": t.TempDir()}},
		{Spec: spec, SourceDir: t.TempDir(), Env: map[string]string{"A=B": "x"}},
		{Spec: spec, SourceDir: t.TempDir(), BaseEnv: map[string]string{"A": "x\x00y"}},
	} {
		if _, err := r.Execute(context.Background()); err == nil {
			t.Errorf("Execute(%+v): no error", r)
		}
	}
}
