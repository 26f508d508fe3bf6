package build

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"strings"
)

// defaultPath is the PATH of a build when the server has none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Variables the runner owns: they win over every variable of the caller
// and the buildspec.
const (
	envSrcDir     = "CODEBUILD_SRC_DIR"
	envSucceeding = "CODEBUILD_BUILD_SUCCEEDING"
)

// environ composes a build's first environment, as the package doc
// describes. Nothing else of the server's environment goes in: it may
// hold the server's credentials.
func (r *Run) environ(home, tmp string) map[string]string {
	env := map[string]string{
		"PATH":   getenv("PATH", defaultPath),
		"LANG":   getenv("LANG", "C.UTF-8"),
		"HOME":   home,
		"TMPDIR": tmp,
	}
	maps.Copy(env, r.BaseEnv)
	maps.Copy(env, r.Spec.Env.Variables)
	maps.Copy(env, r.Env)
	env[envSrcDir] = r.SourceDir
	for name, dir := range r.Secondary {
		env[envSrcDir+"_"+name] = dir
	}
	env[envSucceeding] = "1"
	return env
}

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// environList turns an environment into exec's form, sorted so builds
// see the same order every time.
func environList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// shellOwned are variables each shell sets for itself; carrying them
// from one script to the next would only mislead the next shell.
var shellOwned = []string{"PWD", "SHLVL", "_"}

// parseEnvDump reads the NUL-separated NAME=value list the EXIT trap
// writes with env -0.
func parseEnvDump(data []byte) map[string]string {
	env := make(map[string]string)
	for _, entry := range bytes.Split(data, []byte{0}) {
		name, value, ok := strings.Cut(string(entry), "=")
		if !ok || name == "" || slices.Contains(shellOwned, name) {
			continue
		}
		env[name] = value
	}
	return env
}

// exported picks the values of the named variables; one never set is
// left out rather than reported empty.
func exported(env map[string]string, names []string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		if v, ok := env[n]; ok {
			out[n] = v
		}
	}
	return out
}

// missingSecret names the first variable that would come from
// parameter-store or secrets-manager and that the caller did not supply,
// with where it would have come from; empty when there is none.
func (r *Run) missingSecret() (name, source, ref string) {
	for _, src := range []struct {
		source string
		vars   map[string]string
	}{{"parameter-store", r.Spec.Env.ParameterStore}, {"secrets-manager", r.Spec.Env.SecretsManager}} {
		for _, k := range slices.Sorted(maps.Keys(src.vars)) {
			if _, ok := r.Env[k]; !ok {
				return k, src.source, src.vars[k]
			}
		}
	}
	return "", "", ""
}
