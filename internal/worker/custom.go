package worker

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sluice-cd/sluice/internal/wire"
)

// Custom works a custom action type by running a configured command:
//   - a single input artifact is unpacked into the working directory;
//     with several, each goes to a subdirectory named after it;
//   - each output artifact is zipped from its own directory, named by
//     SLUICE_OUTPUT_DIR (the first) and SLUICE_OUTPUT_DIR_<NAME>;
//   - configuration properties are SLUICE_CONFIG_<NAME>, the job's data
//     is the JSON file SLUICE_JOB_FILE;
//   - KEY=VALUE lines written to SLUICE_OUTPUT_VARIABLES become output
//     variables, and the last line of output is the summary.
type Custom struct {
	Command CustomCommand
}

// Run implements Provider.
func (c Custom) Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error) {
	workDir := filepath.Join(w.Dir, "work")
	env := w.callbackEnv()
	if err := w.unpackInputs(ctx, workDir); err != nil {
		return nil, err
	}
	outDirs, err := w.outputDirs(env)
	if err != nil {
		return nil, err
	}
	if err := w.describeJob(env); err != nil {
		return nil, err
	}
	for k, v := range c.Command.Environment {
		env[k] = v
	}
	cmd := &command{Argv: c.Command.Command, Dir: workDir, Env: env, Timeout: c.Command.Timeout}
	tail, err := cmd.run(ctx)
	if err != nil {
		return nil, failf("Command failed: %v: %s", err, lastLines(tail, 20))
	}
	for i, dir := range outDirs {
		if err := w.Output(ctx, i, dir); err != nil {
			return nil, err
		}
	}
	vars, err := readVariables(env["SLUICE_OUTPUT_VARIABLES"])
	if err != nil {
		return nil, failf("Output variables: %v", err)
	}
	summary := lastLines(tail, 1)
	return &wire.PutJobSuccessResultInput{
		ExecutionDetails: &wire.ExecutionDetails{Summary: optional(truncate(summary, 2048))},
		OutputVariables:  vars,
	}, nil
}

func (w *Work) unpackInputs(ctx context.Context, workDir string) error {
	ins := w.Job.Data.InputArtifacts
	if len(ins) == 1 {
		return w.fetch(ctx, ins[0], workDir)
	}
	for _, a := range ins {
		if err := w.fetch(ctx, a, filepath.Join(workDir, filepath.Base(wire.Value(a.Name)))); err != nil {
			return err
		}
	}
	return os.MkdirAll(workDir, 0o755)
}

func (w *Work) outputDirs(env map[string]string) ([]string, error) {
	var dirs []string
	for i, a := range w.Job.Data.OutputArtifacts {
		name := wire.Value(a.Name)
		dir := filepath.Join(w.Dir, "out", filepath.Base(name))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if i == 0 {
			env["SLUICE_OUTPUT_DIR"] = dir
		}
		env["SLUICE_OUTPUT_DIR_"+envName(name)] = dir
		dirs = append(dirs, dir)
	}
	return dirs, nil
}

func (w *Work) describeJob(env map[string]string) error {
	raw, err := json.Marshal(w.Job.Data)
	if err != nil {
		return err
	}
	file := filepath.Join(w.Dir, "job.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		return err
	}
	env["SLUICE_JOB_FILE"], env["SLUICE_JOB_ID"] = file, w.Job.ID
	env["SLUICE_OUTPUT_VARIABLES"] = filepath.Join(w.Dir, "variables.env")
	if c := w.Job.Data.ActionConfiguration; c != nil {
		for k, v := range c.Configuration {
			env["SLUICE_CONFIG_"+envName(k)] = v
		}
	}
	return nil
}

var notEnvChar = regexp.MustCompile(`[^A-Za-z0-9_]`)

// envName makes a name usable in an environment variable name.
func envName(s string) string { return strings.ToUpper(notEnvChar.ReplaceAllString(s, "_")) }

// readVariables reads KEY=VALUE lines; a missing file means none.
func readVariables(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.TrimSpace(k) != "" {
			vars[strings.TrimSpace(k)] = v
		}
	}
	return vars, sc.Err()
}

// lastLines is the last n non-empty lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
