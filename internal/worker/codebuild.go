package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-cd/sluice/internal/action/build"
	"github.com/sluice-cd/sluice/internal/action/gitsource"
	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// defaultBuildTimeout is CodeBuild's default build timeout.
const defaultBuildTimeout = 60 * time.Minute

// CodeBuild runs a buildspec here: the project's (server configuration)
// or buildspec.yml at the root of the primary source.
type CodeBuild struct{}

// Run implements Provider.
func (CodeBuild) Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error) {
	project, err := w.Require("ProjectName")
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(w.Config("BatchEnabled"), "true") {
		return nil, configError("Batch builds are not supported by Sluice's local CodeBuild")
	}
	p := w.worker.config().Projects[project]
	b := &buildRun{w: w, id: core.BuildID(project, w.Job.ID), project: project}
	primary, secondary, err := b.sources(ctx, w.Config("PrimarySource"))
	if err != nil {
		return nil, err
	}
	spec, err := loadSpec(p.Buildspec, primary)
	if err != nil {
		return nil, err
	}
	env, err := envOverrides(w.Config("EnvironmentVariables"))
	if err != nil {
		return nil, err
	}
	for k, v := range p.Environment {
		if _, set := env[k]; !set {
			env[k] = v
		}
	}
	timeout := firstPositive(p.Timeout, w.worker.config().BuildTimeout, defaultBuildTimeout)
	return b.execute(ctx, spec, primary, secondary, env, timeout)
}

// buildRun is one build of a CodeBuild or Commands action.
type buildRun struct {
	w       *Work
	id      string // CodeBuild's "<project>:<uuid>"
	project string
}

// sources unpacks the input artifacts: the primary one (named, or the
// first) and the others by name. A clone reference becomes a full clone.
func (b *buildRun) sources(ctx context.Context, primaryName string) (string, map[string]string, error) {
	ins := b.w.Job.Data.InputArtifacts
	if len(ins) == 0 {
		return "", nil, configError("The build needs an input artifact")
	}
	if primaryName == "" {
		primaryName = wire.Value(ins[0].Name)
	}
	primary, secondary := "", map[string]string{}
	for i, a := range ins {
		dir, err := b.w.Input(ctx, i)
		if err != nil {
			return "", nil, err
		}
		if dir, err = b.cloneIfRef(ctx, dir); err != nil {
			return "", nil, err
		}
		if wire.Value(a.Name) == primaryName {
			primary = dir
		} else {
			secondary[wire.Value(a.Name)] = dir
		}
	}
	if primary == "" {
		return "", nil, configError("PrimarySource %s is not an input artifact of the action", primaryName)
	}
	return primary, secondary, nil
}

// cloneIfRef turns an unpacked CODEBUILD_CLONE_REF artifact into a clone.
func (b *buildRun) cloneIfRef(ctx context.Context, dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != gitsource.CloneRefFile {
		return dir, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, gitsource.CloneRefFile))
	if err != nil {
		return "", err
	}
	var ref gitsource.CloneRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		return "", failf("Invalid clone reference: %v", err)
	}
	repo, err := b.w.worker.repository(ref.Repository)
	if err != nil {
		return "", err
	}
	clone := dir + "-clone"
	if err := gitsource.Clone(ctx, repo, ref, clone); err != nil {
		return "", failf("Could not clone %s at %s: %v", ref.Repository, ref.Commit, err)
	}
	return clone, nil
}

// loadSpec reads the buildspec: inline, a path in the source, or the
// default buildspec.yml.
func loadSpec(buildspec, sourceDir string) (*build.Spec, error) {
	raw := []byte(buildspec)
	if !strings.Contains(buildspec, "\n") {
		name := buildspec
		if name == "" {
			name = "buildspec.yml"
		}
		path := filepath.Join(sourceDir, filepath.FromSlash(name))
		if !strings.HasPrefix(path, filepath.Clean(sourceDir)+string(filepath.Separator)) {
			return nil, configError("The buildspec path %s leaves the source", name)
		}
		var err error
		if raw, err = os.ReadFile(path); errors.Is(err, os.ErrNotExist) {
			return nil, configError("YAML_FILE_ERROR: The buildspec %s was not found in the source", name)
		} else if err != nil {
			return nil, err
		}
	}
	spec, err := build.Parse(raw)
	if err != nil {
		return nil, configError("YAML_FILE_ERROR: %v", err)
	}
	return spec, nil
}

// envOverrides decodes the action's EnvironmentVariables property.
func envOverrides(raw string) (map[string]string, error) {
	env := map[string]string{}
	if raw == "" {
		return env, nil
	}
	var vars []wire.EnvironmentVariable
	if err := json.Unmarshal([]byte(raw), &vars); err != nil {
		return nil, configError("EnvironmentVariables is not a JSON array of {name, value, type}: %v", err)
	}
	for _, v := range vars {
		if v.Type != "" && v.Type != wire.EnvironmentVariableTypePLAINTEXT {
			return nil, configError("Environment variable %s: type %s needs a service Sluice does not run; use PLAINTEXT", wire.Value(v.Name), v.Type)
		}
		env[wire.Value(v.Name)] = wire.Value(v.Value)
	}
	return env, nil
}

func firstPositive(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

// execute runs the build, keeps its log and uploads its artifacts.
func (b *buildRun) execute(ctx context.Context, spec *build.Spec, primary string, secondary, env map[string]string,
	timeout time.Duration) (*wire.PutJobSuccessResultInput, error) {
	logFile, err := os.Create(filepath.Join(b.w.Dir, "build.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	run := &build.Run{Spec: spec, SourceDir: primary, Secondary: secondary, Env: env,
		BaseEnv: b.baseEnv(), Timeout: timeout, Log: logFile}
	res, err := run.Execute(ctx)
	if err != nil {
		return nil, err
	}
	if res.Succeeded() {
		err = b.collect(ctx, spec, primary, logFile)
		if err != nil {
			fmt.Fprintf(logFile, "[Container] %s Phase UPLOAD_ARTIFACTS failed: %v\n", time.Now().UTC().Format("2006/01/02 15:04:05"), err)
		}
	}
	if err := b.keepLog(ctx, logFile); err != nil {
		b.w.worker.Log.Warn("keep build log", "build", b.id, "err", err)
	}
	if !res.Succeeded() {
		return nil, &Failure{Type: wire.FailureTypeJobFailed, ExternalID: b.id,
			Message: "Build failed in phase " + string(res.FailedPhase) + ": " + res.Message}
	}
	if err != nil {
		return nil, &Failure{Type: wire.FailureTypeJobFailed, ExternalID: b.id, Message: "Build failed in phase UPLOAD_ARTIFACTS: " + err.Error()}
	}
	summary := "Build " + b.id + " succeeded"
	return &wire.PutJobSuccessResultInput{
		ExecutionDetails: &wire.ExecutionDetails{ExternalExecutionId: &b.id, Summary: &summary},
		OutputVariables:  res.Exported,
	}, nil
}

// baseEnv are the CODEBUILD_* values CodeBuild gives a build.
func (b *buildRun) baseEnv() map[string]string {
	sc, data := b.w.Job.Scope, b.w.Job.Data
	env := b.w.callbackVars()
	env["CODEBUILD_BUILD_ID"] = b.id
	env["CODEBUILD_BUILD_ARN"] = "arn:aws:codebuild:" + sc.Region + ":" + sc.Account + ":build/" + b.id
	env["CODEBUILD_BUILD_NUMBER"] = "1"
	env["CODEBUILD_BUILD_IMAGE"] = "sluice/local"
	env["CODEBUILD_START_TIME"] = strconv.FormatInt(time.Now().UnixMilli(), 10)
	if pc := data.PipelineContext; pc != nil {
		env["CODEBUILD_INITIATOR"] = "codepipeline/" + wire.Value(pc.PipelineName)
	}
	if ins := data.InputArtifacts; len(ins) > 0 {
		if loc := s3Of(ins[0]); loc != nil {
			env["CODEBUILD_SOURCE_VERSION"] = "arn:aws:s3:::" + wire.Value(loc.BucketName) + "/" + wire.Value(loc.ObjectKey)
		}
		env["CODEBUILD_RESOLVED_SOURCE_VERSION"] = wire.Value(ins[0].Revision)
	}
	return env
}

// collect zips the buildspec's artifacts into the action's outputs: an
// output named like a secondary artifact gets that one, the first output
// otherwise gets the primary artifacts.
func (b *buildRun) collect(ctx context.Context, spec *build.Spec, sourceDir string, log io.Writer) error {
	if spec.Artifacts == nil || b.w.OutputCount() == 0 {
		return nil
	}
	primaryOut := ""
	secondaryOut := map[string]string{}
	outDirs := make([]string, b.w.OutputCount())
	for i, a := range b.w.Job.Data.OutputArtifacts {
		name := wire.Value(a.Name)
		outDirs[i] = filepath.Join(b.w.Dir, "out", strconv.Itoa(i))
		if _, ok := spec.Artifacts.Secondary[name]; ok {
			secondaryOut[name] = outDirs[i]
		} else if i == 0 {
			primaryOut = outDirs[i]
		}
	}
	if err := spec.CollectArtifacts(sourceDir, primaryOut, secondaryOut, log); err != nil {
		return err
	}
	for i, dir := range outDirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := b.w.Output(ctx, i, dir); err != nil {
			return err
		}
	}
	return nil
}

// keepLog stores the build log where /logs/<build id> serves it from:
// through the store, or for a remote worker with the job's own artifact
// credentials, which grant that one object.
func (b *buildRun) keepLog(ctx context.Context, f *os.File) error {
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	st, err := b.w.logStore(ctx)
	if err != nil {
		return err
	}
	log := core.BuildLog(b.id)
	_, err = st.Put(ctx, log.Bucket, log.Key, f, artifact.PutOptions{ContentType: "text/plain; charset=utf-8"})
	return err
}
