package build

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseFull(t *testing.T) {
	t.Parallel()
	spec, err := Parse([]byte(`
version: 0.2
run-as: builder
env:
  shell: /bin/sh
  variables:
    PORT: 8080
    DEBUG: true
    EMPTY:
  exported-variables:
    - IMAGE_TAG
  git-credential-helper: yes
phases:
  install:
    runtime-versions:
      nodejs: 18
    commands:
      - true
  pre_build:
    on-failure: CONTINUE
    commands:
      - "export A=$(echo x | cut -d: -f1)"
  build:
    on-failure: ABORT
    commands:
      - |
        make
        make test
    finally:
      - echo done
  post_build: {}
artifacts:
  files:
    - ./dist/**/*
    - '**/**/*.txt'
  name: app
  base-directory: out/.
  discard-paths: yes
  exclude-paths: ['**/*.map']
  enable-symlinks: no
  s3-prefix: p
  secondary-artifacts:
    docs:
      files: [docs/*]
cache:
  paths: ['/root/.m2/**/*']
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Spec{
		Env: Env{
			Shell:             "sh",
			Variables:         map[string]string{"PORT": "8080", "DEBUG": "true", "EMPTY": ""},
			ExportedVariables: []string{"IMAGE_TAG"},
		},
		Phases: Phases{
			Install:   &Phase{Commands: []string{"true"}},
			PreBuild:  &Phase{Commands: []string{"export A=$(echo x | cut -d: -f1)"}, OnFailure: OnFailureContinue},
			Build:     &Phase{Commands: []string{"make\nmake test\n"}, Finally: []string{"echo done"}, OnFailure: OnFailureAbort},
			PostBuild: &Phase{},
		},
		Artifacts: &Artifacts{
			Files:         []string{"dist/**/*", "**/*.txt"},
			Name:          "app",
			BaseDirectory: "out",
			DiscardPaths:  true,
			ExcludePaths:  []string{"**/*.map"},
			Secondary:     map[string]*Artifacts{"docs": {Files: []string{"docs/*"}}},
		},
	}
	notes := spec.Notes
	spec.Notes = nil
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", spec, want)
	}
	for _, n := range []string{"line 3: run-as", "env.git-credential-helper", "phases.install.runtime-versions", "artifacts.s3-prefix", "cache is ignored"} {
		if !strings.Contains(strings.Join(notes, "\n"), n) {
			t.Errorf("notes %q lack %q", notes, n)
		}
	}
}

func TestParseAnchors(t *testing.T) {
	t.Parallel()
	spec, err := Parse([]byte(`
version: "0.2"
phases:
  build: &common
    commands: [make]
  post_build:
    <<: *common
    finally: [echo bye]
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := spec.Phases.PostBuild; !reflect.DeepEqual(got, &Phase{Commands: []string{"make"}, Finally: []string{"echo bye"}}) {
		t.Errorf("merged post_build = %+v", got)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want string // the error, or a part of it
	}{
		{"empty", ``, "empty document"},
		{"not yaml", "version: [0.2", "buildspec: yaml: line 1"},
		{"not a mapping", "- a", "buildspec line 1: want a mapping"},
		{"no version", "phases: {}", "buildspec line 1: version: required"},
		{"version 0.1", "version: 0.1\nphases: {}", "buildspec line 1: version: 0.1 runs each command"},
		{"version 1", "version: 1.0\nphases: {}", `buildspec line 1: version: "1.0" is not a buildspec version`},
		{"no phases", "version: 0.2", "phases: required"},
		{"unknown top key", "version: 0.2\nphases: {}\nstages: {}", `buildspec line 3: stages: unknown key; known here: version, run-as`},
		{"unknown phase", "version: 0.2\nphases:\n  test: {}", "buildspec line 3: phases.test: unknown key"},
		{"unknown phase key", "version: 0.2\nphases:\n  build:\n    command: [make]", "buildspec line 4: phases.build.command: unknown key"},
		{"runtime-versions outside install", "version: 0.2\nphases:\n  build:\n    runtime-versions: {}", "phases.build.runtime-versions: unknown key"},
		{"duplicate key", "version: 0.2\nphases:\n  build: {}\n  build: {}", "buildspec line 4: phases.build: set twice"},
		{"command is a mapping", "version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b", `buildspec line 5: phases.build.commands[0]: want a single value (quote it if it contains ": ")`},
		{"commands not a list", "version: 0.2\nphases:\n  build:\n    commands: make", "buildspec line 4: phases.build.commands: want a list"},
		{"empty command", "version: 0.2\nphases:\n  build:\n    commands:\n      -", "phases.build.commands[0]: empty entry"},
		{"bad on-failure", "version: 0.2\nphases:\n  build:\n    on-failure: STOP", `buildspec line 4: phases.build.on-failure: "STOP" is not ABORT or CONTINUE`},
		{"retry", "version: 0.2\nphases:\n  build:\n    on-failure: RETRY-3", "RETRY-3 retries the whole build"},
		{"bad shell", "version: 0.2\nenv:\n  shell: zsh\nphases: {}", `buildspec line 3: env.shell: "zsh" is not a shell`},
		{"unknown env key", "version: 0.2\nenv:\n  vars: {}\nphases: {}", "buildspec line 3: env.vars: unknown key"},
		{"bad variable name", "version: 0.2\nenv:\n  variables:\n    'A=B': x\nphases: {}", "env.variables.A=B: not a valid environment variable name"},
		{"variables not a mapping", "version: 0.2\nenv:\n  variables: [A]\nphases: {}", "buildspec line 3: env.variables: want a mapping"},
		{"bad yes/no", "version: 0.2\nphases: {}\nartifacts:\n  files: [a]\n  discard-paths: maybe", `buildspec line 5: artifacts.discard-paths: "maybe" is not yes or no`},
		{"bad pattern", "version: 0.2\nphases: {}\nartifacts:\n  files: ['a/[b']", `buildspec line 4: artifacts.files[0]: "a/[b" is not a valid pattern`},
		{"pattern leaves the source", "version: 0.2\nphases: {}\nartifacts:\n  files: ['../x']", "leaves the source directory"},
		{"absolute base", "version: 0.2\nphases: {}\nartifacts:\n  files: [a]\n  base-directory: /etc", `artifacts.base-directory: "/etc" is absolute`},
		{"no files", "version: 0.2\nphases: {}\nartifacts:\n  name: x", "artifacts.files: required"},
		{"secondary without files", "version: 0.2\nphases: {}\nartifacts:\n  secondary-artifacts:\n    a:\n      name: x", "artifacts.secondary-artifacts.a.files: required"},
		{"nested secondary", "version: 0.2\nphases: {}\nartifacts:\n  secondary-artifacts:\n    a:\n      files: [x]\n      secondary-artifacts: {}", "artifacts.secondary-artifacts.a.secondary-artifacts: unknown key"},
		{"bad proxy", "version: 0.2\nphases: {}\nproxy:\n  logs: sometimes", "proxy.logs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseErrorType(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("version: 0.2\nphases:\n  build:\n    on-failure: NEVER"))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 4 || pe.Path != "phases.build.on-failure" {
		t.Fatalf("error = %#v, want a *ParseError at line 4 on phases.build.on-failure", err)
	}
}
