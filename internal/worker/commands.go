package worker

import (
	"context"
	"encoding/json"

	"github.com/sluice-cd/sluice/internal/action/build"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Commands runs the commands of a Compute/Commands action in the build
// runner: they are the build phase, the declared output variables are
// exported, and each output artifact takes the files its declaration lists.
type Commands struct{}

// Run implements Provider.
func (Commands) Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error) {
	var cmds, outVars []string
	var files map[string][]string
	var envVars []wire.EnvironmentVariable
	for _, d := range []struct {
		key string
		to  any
	}{{"Commands", &cmds}, {"OutputVariables", &outVars}, {"OutputArtifactFiles", &files}, {"EnvironmentVariables", &envVars}} {
		if raw := w.Config(d.key); raw != "" {
			if err := json.Unmarshal([]byte(raw), d.to); err != nil {
				return nil, configError("The action's %s could not be read: %v", d.key, err)
			}
		}
	}
	if len(cmds) == 0 {
		return nil, configError("The Commands action has no commands")
	}
	spec := &build.Spec{
		Env:    build.Env{ExportedVariables: outVars},
		Phases: build.Phases{Build: &build.Phase{Commands: cmds}},
	}
	for i, a := range w.Job.Data.OutputArtifacts {
		if i == 0 {
			spec.Artifacts = &build.Artifacts{Files: files[wire.Value(a.Name)]}
		}
	}
	b := &buildRun{w: w, id: core.BuildID(core.CommandsProject, w.Job.ID), project: core.CommandsProject}
	primary, secondary, err := b.sources(ctx, "")
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, v := range envVars {
		env[wire.Value(v.Name)] = wire.Value(v.Value)
	}
	return b.execute(ctx, spec, primary, secondary, env, firstPositive(w.worker.config().BuildTimeout, defaultBuildTimeout))
}
