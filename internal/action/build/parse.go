package build

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ignored says, for each accepted setting this runner does not act on,
// why it makes no difference here. Parse turns them into Spec.Notes.
var ignored = map[string]string{
	"run-as":                "commands run as the server's user",
	"proxy":                 "builds reach the network directly",
	"batch":                 "batch builds are not run here",
	"reports":               "test reports are not collected",
	"cache":                 "nothing is cached between builds",
	"runtime-versions":      "commands use the tools installed on this machine",
	"git-credential-helper": "git uses the build's own configuration",
	"s3-prefix":             "artifacts go to the action's output artifacts",
}

// parser walks the YAML tree and gathers the notes of ignored settings.
type parser struct {
	notes []string
}

// Parse reads a buildspec. It is strict, so that a typo fails the build
// instead of being silently skipped: unknown keys, values of the wrong
// kind, a version other than 0.2 and settings this runner cannot honour
// are *ParseError values naming the line.
func Parse(data []byte) (*Spec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("buildspec: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("buildspec: empty document")
	}
	var p parser
	return p.spec(doc.Content[0])
}

// note records that the setting key, found at path at, is accepted but
// ignored.
func (p *parser) note(n *yaml.Node, at, key string) {
	p.notes = append(p.notes, fmt.Sprintf("buildspec line %d: %s is ignored: %s", n.Line, at, ignored[key]))
}

func (p *parser) spec(root *yaml.Node) (*Spec, error) {
	f, err := fields(root, "", "version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache")
	if err != nil {
		return nil, err
	}
	if err := checkVersion(root, f["version"]); err != nil {
		return nil, err
	}
	if f["phases"] == nil {
		return nil, errAt(root, "phases", "required")
	}
	s := &Spec{}
	if s.Phases, err = p.phases(f["phases"]); err != nil {
		return nil, err
	}
	if n := f["env"]; n != nil {
		if s.Env, err = p.env(n); err != nil {
			return nil, err
		}
	}
	if n := f["artifacts"]; n != nil {
		if s.Artifacts, err = p.artifacts(n, "artifacts", true); err != nil {
			return nil, err
		}
	}
	if n := f["proxy"]; n != nil {
		if err := checkProxy(n); err != nil {
			return nil, err
		}
	}
	for _, key := range []string{"run-as", "proxy", "batch", "reports", "cache"} {
		if n := f[key]; n != nil {
			p.note(n, key, key)
		}
	}
	s.Notes = p.notes
	return s, nil
}

// checkVersion accepts 0.2 only: 0.1 runs every command in a shell of its
// own, which would change what the commands mean.
func checkVersion(root, n *yaml.Node) error {
	if n == nil {
		return errAt(root, "version", "required (use 0.2)")
	}
	v, err := scalar(n, "version")
	if err != nil {
		return err
	}
	switch v {
	case "0.2":
		return nil
	case "0.1":
		return errAt(n, "version", "0.1 runs each command in a shell of its own and is not supported; use 0.2")
	}
	return errAt(n, "version", "%q is not a buildspec version; use 0.2", v)
}

func checkProxy(n *yaml.Node) error {
	f, err := fields(n, "proxy", "upload-artifacts", "logs")
	if err != nil {
		return err
	}
	for _, key := range []string{"upload-artifacts", "logs"} {
		if v := f[key]; v != nil {
			if _, err := boolean(v, join("proxy", key)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parser) env(n *yaml.Node) (Env, error) {
	var e Env
	f, err := fields(n, "env", "shell", "variables", "parameter-store", "exported-variables", "secrets-manager", "git-credential-helper")
	if err != nil {
		return e, err
	}
	if v := f["shell"]; v != nil {
		if e.Shell, err = shellName(v); err != nil {
			return e, err
		}
	}
	if e.Variables, err = variables(f["variables"], "env.variables"); err != nil {
		return e, err
	}
	if e.ParameterStore, err = variables(f["parameter-store"], "env.parameter-store"); err != nil {
		return e, err
	}
	if e.SecretsManager, err = variables(f["secrets-manager"], "env.secrets-manager"); err != nil {
		return e, err
	}
	if e.ExportedVariables, err = names(f["exported-variables"], "env.exported-variables"); err != nil {
		return e, err
	}
	if v := f["git-credential-helper"]; v != nil {
		if _, err := boolean(v, "env.git-credential-helper"); err != nil {
			return e, err
		}
		p.note(v, "env.git-credential-helper", "git-credential-helper")
	}
	return e, nil
}

// shellName accepts CodeBuild's Linux shells, bash and /bin/sh.
func shellName(n *yaml.Node) (string, error) {
	v, err := scalar(n, "env.shell")
	if err != nil {
		return "", err
	}
	switch v {
	case "bash", "/bin/bash":
		return "bash", nil
	case "sh", "/bin/sh":
		return "sh", nil
	}
	return "", errAt(n, "env.shell", "%q is not a shell this runner has; use bash or /bin/sh", v)
}

// variables reads a mapping of environment variable names to values.
func variables(n *yaml.Node, path string) (map[string]string, error) {
	if n == nil {
		return nil, nil
	}
	m, err := stringMap(n, path)
	if err != nil {
		return nil, err
	}
	for name, value := range m {
		if !validName(name) {
			return nil, errAt(n, join(path, name), "not a valid environment variable name")
		}
		if strings.ContainsRune(value, 0) {
			return nil, errAt(n, join(path, name), "value contains a NUL byte")
		}
	}
	return m, nil
}

// names reads a list of environment variable names.
func names(n *yaml.Node, path string) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	l, err := list(n, path)
	if err != nil {
		return nil, err
	}
	for i, name := range l {
		if !validName(name) {
			return nil, errAt(resolve(n).Content[i], join(path, i), "%q is not a valid environment variable name", name)
		}
	}
	return l, nil
}

// validName refuses what cannot be put in an environment.
func validName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "=\x00")
}
