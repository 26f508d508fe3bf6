package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// createJob queues the first job of a run that a worker must work (J-2.1).
// Its data is fixed now, secrets in clear (J-2.2): workers need them.
func (e *Engine) createJob(ctx context.Context, tx store.Tx, fx *effects, f *flow, r *core.ActionRun) error {
	def, _, err := e.Types.ActionTypeDefinition(ctx, tx, r.Scope, r.Type)
	if err != nil {
		return err
	}
	thirdParty := r.Type.Owner == string(wire.ActionOwnerThirdParty)
	pc := &wire.PipelineContext{
		PipelineName: wire.Ptr(r.Pipeline),
		Stage:        &wire.StageContext{Name: wire.Ptr(r.Stage)},
		Action:       &wire.ActionContext{Name: wire.Ptr(r.Action), ActionExecutionId: wire.Ptr(r.ID)},
	}
	if !thirdParty { // J-3.2: partners do not see them
		pc.PipelineArn = wire.Ptr(r.Scope.ARN(r.Pipeline))
		pc.PipelineExecutionId = wire.Ptr(r.ExecutionID)
	}
	data := &wire.JobData{
		ActionTypeId:        wireTypeID(r.Type),
		ActionConfiguration: &wire.ActionConfiguration{Configuration: withDeclared(f, r)},
		PipelineContext:     pc,
		InputArtifacts:      inputArtifacts(f, r),
		OutputArtifacts:     outputArtifacts(r),
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	j := &core.Job{
		Scope: r.Scope, ID: e.NewID(), Pipeline: r.Pipeline, ExecutionID: r.ExecutionID,
		ActionRunID: r.ID, Type: r.Type, Status: core.JobQueued,
		QueryValue: r.Resolved[queryableProperty(def)], Data: raw,
		Created: r.Started, Updated: r.Started, Deadline: r.Deadline,
	}
	if thirdParty {
		j.ClientID = e.ThirdParty.ClientID
	}
	if err := tx.JobPut(ctx, j); err != nil {
		return fmt.Errorf("put job: %w", err)
	}
	fx.queue(r.Scope, r.Type)
	return nil
}

// withDeclared is the configuration a job carries: the resolved
// configuration, plus, for the Commands action, what its declaration holds
// outside the configuration (S-3.11), JSON-encoded under the member's name,
// since JobData has no place for them and only Sluice's worker reads them.
func withDeclared(f *flow, r *core.ActionRun) map[string]string {
	if r.Type.Owner != string(wire.ActionOwnerAWS) || f == nil {
		return r.Resolved
	}
	if r.Type.Category == string(wire.ActionCategorySource) {
		return withOverride(f.exec, r)
	}
	if r.Type.Provider != "Commands" {
		return r.Resolved
	}
	i, err := stageIndex(f.decl, r.Stage)
	if err != nil {
		return r.Resolved
	}
	a, err := findAction(f.decl, i, r.Action)
	if err != nil {
		return r.Resolved
	}
	out := maps.Clone(r.Resolved)
	if out == nil {
		out = map[string]string{}
	}
	files := map[string][]string{}
	for _, o := range a.OutputArtifacts {
		files[wire.Value(o.Name)] = o.Files
	}
	for k, v := range map[string]any{"Commands": resolvedList(f, a.Commands), "OutputVariables": a.OutputVariables,
		"OutputArtifactFiles": files, "EnvironmentVariables": a.EnvironmentVariables} {
		raw, _ := json.Marshal(v)
		out[k] = string(raw)
	}
	return out
}

// Configuration keys that carry a StartPipelineExecution source revision
// override (E-1.3) to a built-in source action: JobData has no member for
// it, and only Sluice's worker reads these.
const (
	OverrideTypeKey  = "SourceRevisionType"
	OverrideValueKey = "SourceRevisionValue"
)

// withOverride adds the execution's override for the action, if any.
func withOverride(ex *core.Execution, r *core.ActionRun) map[string]string {
	for _, o := range ex.SourceRevisions {
		if o.ActionName == r.Action {
			out := maps.Clone(r.Resolved)
			if out == nil {
				out = map[string]string{}
			}
			out[OverrideTypeKey], out[OverrideValueKey] = o.RevisionType, o.RevisionValue
			return out
		}
	}
	return r.Resolved
}

// resolvedList substitutes variable references in each item (V-4); a
// reference that does not resolve becomes empty, as in the configuration.
func resolvedList(f *flow, items []string) []string {
	m := map[string]string{}
	for i, c := range items {
		m[strconv.Itoa(i)] = c
	}
	res, _ := resolve(m, namespaces(f))
	out := make([]string, len(items))
	for i := range items {
		out[i] = res[strconv.Itoa(i)]
	}
	return out
}

// queryableProperty is the name of the type's queryable property, or "".
func queryableProperty(def *wire.ActionType) string {
	if def == nil {
		return ""
	}
	for _, p := range def.ActionConfigurationProperties {
		if wire.Value(p.Queryable) {
			return wire.Value(p.Name)
		}
	}
	return ""
}

// inputArtifacts locates each input in the run that produced it: an
// earlier run of the execution, or of the rollback target.
func inputArtifacts(f *flow, r *core.ActionRun) []wire.Artifact {
	out := []wire.Artifact{}
	for _, name := range r.Inputs {
		a := wire.Artifact{Name: wire.Ptr(name)}
		if src := producer(f, name); src != nil {
			a.Location = s3Location(src.Bucket, src.OutputKeys[name])
			if src.Revision != nil {
				a.Revision = wire.Ptr(src.Revision.RevisionID)
			}
		}
		out = append(out, a)
	}
	return out
}

// inputObjects records where a run's inputs are, for ListActionExecutions.
func inputObjects(f *flow, names []string) map[string]core.Object {
	out := map[string]core.Object{}
	for _, name := range names {
		if src := producer(f, name); src != nil {
			out[name] = core.Object{Bucket: src.Bucket, Key: src.OutputKeys[name]}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// producer is the latest succeeded run that output the named artifact.
func producer(f *flow, artifact string) *core.ActionRun {
	if f == nil {
		return nil
	}
	var found *core.ActionRun
	for _, runs := range [][]*core.ActionRun{f.inherited, f.runs} {
		for _, r := range runs {
			if r.Status == core.StatusSucceeded && r.OutputKeys[artifact] != "" {
				found = r
			}
		}
	}
	return found
}

func outputArtifacts(r *core.ActionRun) []wire.Artifact {
	out := []wire.Artifact{}
	for _, name := range r.Outputs {
		out = append(out, wire.Artifact{Name: wire.Ptr(name), Location: s3Location(r.Bucket, r.OutputKeys[name])})
	}
	return out
}

func s3Location(bucket, key string) *wire.ArtifactLocation {
	return &wire.ArtifactLocation{
		Type:       wire.ArtifactLocationTypeS3,
		S3Location: &wire.S3ArtifactLocation{BucketName: wire.Ptr(bucket), ObjectKey: wire.Ptr(key)},
	}
}

// jobNotFound is the error of an unknown job id (J-2.4, J-2.9).
func jobNotFound(id string) error {
	return core.Errorf(core.JobNotFound, "Job '%s' does not exist", id)
}

// getJob reads a job of the caller's scope.
func getJob(ctx context.Context, r store.Reader, sc core.Scope, id string) (*core.Job, error) {
	j, err := r.JobGet(ctx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, jobNotFound(id)
	}
	return j, err
}

// lockJob reads a job of the caller's scope, checks it with check, locks
// its pipeline and reads it again. Everything decided about the job must
// come from the second read: on a store with concurrent writers
// (PostgreSQL) another replica may have changed the job between the first
// read, which only names the pipeline to lock, and the lock being granted.
// check sees the first read, so it must only look at what never changes
// (the job's type and client).
func lockJob(ctx context.Context, tx store.Tx, sc core.Scope, id string, check func(*core.Job) error) (*core.Job, error) {
	j, err := getJob(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := check(j); err != nil {
		return nil, err
	}
	if err := tx.PipelineLock(ctx, sc, j.Pipeline); errors.Is(err, store.ErrNotFound) {
		return nil, jobNotFound(id) // its pipeline was deleted
	} else if err != nil {
		return nil, err
	}
	return getJob(ctx, tx, sc, id)
}
