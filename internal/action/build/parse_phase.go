package build

import (
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

func (p *parser) phases(n *yaml.Node) (Phases, error) {
	var ps Phases
	f, err := fields(n, "phases", "install", "pre_build", "build", "post_build")
	if err != nil {
		return ps, err
	}
	for _, e := range []struct {
		key string
		dst **Phase
	}{{"install", &ps.Install}, {"pre_build", &ps.PreBuild}, {"build", &ps.Build}, {"post_build", &ps.PostBuild}} {
		if v := f[e.key]; v != nil {
			if *e.dst, err = p.phase(v, join("phases", e.key), e.key == "install"); err != nil {
				return ps, err
			}
		}
	}
	return ps, nil
}

// phase reads one phase. runtime-versions belongs to install only.
func (p *parser) phase(n *yaml.Node, at string, install bool) (*Phase, error) {
	keys := []string{"run-as", "on-failure", "commands", "finally"}
	if install {
		keys = append(keys, "runtime-versions")
	}
	f, err := fields(n, at, keys...)
	if err != nil {
		return nil, err
	}
	ph := &Phase{}
	if ph.Commands, err = commands(f["commands"], join(at, "commands")); err != nil {
		return nil, err
	}
	if ph.Finally, err = commands(f["finally"], join(at, "finally")); err != nil {
		return nil, err
	}
	if v := f["on-failure"]; v != nil {
		if ph.OnFailure, err = onFailure(v, join(at, "on-failure")); err != nil {
			return nil, err
		}
	}
	for _, key := range []string{"run-as", "runtime-versions"} {
		if v := f[key]; v != nil {
			p.note(v, join(at, key), key)
		}
	}
	return ph, nil
}

func commands(n *yaml.Node, at string) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	return list(n, at)
}

// onFailure accepts ABORT and CONTINUE. RETRY would run the whole build
// again in a fresh environment, which a local source directory is not.
func onFailure(n *yaml.Node, at string) (OnFailure, error) {
	v, err := scalar(n, at)
	if err != nil {
		return "", err
	}
	switch f := OnFailure(v); {
	case f == OnFailureAbort, f == OnFailureContinue:
		return f, nil
	case strings.HasPrefix(v, "RETRY"):
		return "", errAt(n, at, "%s retries the whole build, which this runner does not do; use ABORT or CONTINUE", v)
	}
	return "", errAt(n, at, "%q is not ABORT or CONTINUE", v)
}

// artifacts reads the artifacts section (primary) or a secondary artifact.
func (p *parser) artifacts(n *yaml.Node, at string, primary bool) (*Artifacts, error) {
	keys := []string{"files", "name", "discard-paths", "base-directory", "exclude-paths", "enable-symlinks", "s3-prefix"}
	if primary {
		keys = append(keys, "secondary-artifacts")
	}
	f, err := fields(n, at, keys...)
	if err != nil {
		return nil, err
	}
	a := &Artifacts{}
	if a.Files, err = patterns(f["files"], join(at, "files")); err != nil {
		return nil, err
	}
	if a.ExcludePaths, err = patterns(f["exclude-paths"], join(at, "exclude-paths")); err != nil {
		return nil, err
	}
	if err := p.artifactScalars(a, f, at); err != nil {
		return nil, err
	}
	if v := f["secondary-artifacts"]; v != nil {
		if a.Secondary, err = p.secondary(v, join(at, "secondary-artifacts")); err != nil {
			return nil, err
		}
	}
	if len(a.Files) == 0 && len(a.Secondary) == 0 {
		return nil, errAt(n, join(at, "files"), "required")
	}
	return a, nil
}

// artifactScalars reads an artifact's single-valued settings.
func (p *parser) artifactScalars(a *Artifacts, f map[string]*yaml.Node, at string) error {
	var err error
	if v := f["name"]; v != nil {
		if a.Name, err = scalar(v, join(at, "name")); err != nil {
			return err
		}
	}
	if v := f["base-directory"]; v != nil {
		if a.BaseDirectory, err = relPath(v, join(at, "base-directory")); err != nil {
			return err
		}
	}
	if v := f["discard-paths"]; v != nil {
		if a.DiscardPaths, err = boolean(v, join(at, "discard-paths")); err != nil {
			return err
		}
	}
	if v := f["enable-symlinks"]; v != nil {
		if a.EnableSymlinks, err = boolean(v, join(at, "enable-symlinks")); err != nil {
			return err
		}
	}
	if v := f["s3-prefix"]; v != nil {
		p.note(v, join(at, "s3-prefix"), "s3-prefix")
	}
	return nil
}

func (p *parser) secondary(n *yaml.Node, at string) (map[string]*Artifacts, error) {
	ps, err := pairs(n, at)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Artifacts, len(ps))
	for _, e := range ps {
		if out[e.key], err = p.artifacts(e.value, join(at, e.key), false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// patterns reads a list of glob patterns, each checked and made relative.
func patterns(n *yaml.Node, at string) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	l, err := list(n, at)
	if err != nil {
		return nil, err
	}
	for i, pat := range l {
		item := resolve(n).Content[i]
		if l[i], err = cleanPattern(pat); err != nil {
			return nil, errAt(item, join(at, i), "%v", err)
		}
	}
	return l, nil
}

// relPath reads a directory relative to the source directory.
func relPath(n *yaml.Node, at string) (string, error) {
	v, err := scalar(n, at)
	if err != nil {
		return "", err
	}
	clean, err := cleanRel(v)
	if err != nil {
		return "", errAt(n, at, "%v", err)
	}
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// cleanRel cleans a relative path and refuses one that leaves its root:
// artifacts come from the sources, not from elsewhere on the machine.
func cleanRel(p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%q is absolute; paths are relative to the source directory", p)
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%q leaves the source directory", p)
	}
	return c, nil
}
