package engine

import (
	"context"
	"errors"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// maxActiveQueued caps the active executions of a QUEUED or PARALLEL
// pipeline (E-1.6); SUPERSEDED pipelines have no cap.
const maxActiveQueued = 50

// trigger says what started an execution.
type trigger struct {
	kind   wire.TriggerType
	detail string
}

// newExecution builds an execution of the pipeline's latest version,
// waiting at the first stage, with the variables' defaults.
func (e *Engine) newExecution(p *core.Pipeline, d *wire.PipelineDeclaration, t trigger) *core.Execution {
	now := e.now()
	return &core.Execution{
		Scope: p.Scope, Pipeline: p.Name, ID: e.NewID(), PipelineVersion: p.Version,
		Status: core.StatusInProgress, Mode: string(d.ExecutionMode), Type: string(wire.ExecutionTypeSTANDARD),
		TriggerType: string(t.kind), TriggerDetail: t.detail, Variables: defaultVariables(d),
		Phase: core.PhaseWaiting, Arrived: now, Created: now, Updated: now,
	}
}

// defaultVariables are the pipeline variables of an execution started
// without values, by the pipeline's creation or a new revision: their
// defaults (V-8). Executions that get values (StartPipelineExecution) or
// inherit them (RollbackStage) replace these. A variable without a default
// stays unset, so a reference to it fails its action (V-5).
func defaultVariables(d *wire.PipelineDeclaration) map[string]string {
	out := map[string]string{}
	for _, v := range d.Variables {
		if v.DefaultValue != nil {
			out[wire.Value(v.Name)] = *v.DefaultValue
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// launch stores a new execution and moves the pipeline.
func (e *Engine) launch(ctx context.Context, tx store.Tx, fx *effects, ex *core.Execution) error {
	if err := tx.PipelineLock(ctx, ex.Scope, ex.Pipeline); err != nil {
		return err
	}
	if ex.Mode != string(wire.ExecutionModeSUPERSEDED) {
		active, err := tx.ExecutionActive(ctx, ex.Scope, ex.Pipeline)
		if err != nil {
			return err
		}
		if len(active) >= maxActiveQueued {
			return core.Errorf(core.ConcurrentExecutionsLimit, "Pipeline '%s' already has %d executions in progress, the most a %s pipeline may have", ex.Pipeline, len(active), ex.Mode)
		}
	}
	if err := tx.ExecutionCreate(ctx, ex); err != nil {
		return err
	}
	return e.reconcile(ctx, tx, fx, ex.Scope, ex.Pipeline, ex.ID)
}

// PipelineCreated starts the first execution of a new pipeline (§2.1),
// in the transaction that created it. The caller runs the returned func
// once that transaction committed: it creates the artifact store buckets,
// then wakes pollers of the queued jobs.
func (e *Engine) PipelineCreated(ctx context.Context, tx store.Tx, p *core.Pipeline) (func(), error) {
	_, d, err := pipeline(ctx, tx, p.Scope, p.Name, p.Version)
	if err != nil {
		return nil, err
	}
	buckets, err := e.claimBuckets(ctx, tx, p, d)
	if err != nil {
		return nil, err
	}
	fx := &effects{}
	ex := e.newExecution(p, d, trigger{wire.TriggerTypeCreatePipeline, core.CallerFrom(ctx).ARN()})
	if err := e.launch(ctx, tx, fx, ex); err != nil {
		return nil, err
	}
	return func() { e.makeBuckets(ctx, buckets); e.fire(fx) }, nil
}

// claimBuckets claims the pipeline's artifact store buckets for its
// account, in the pipeline's transaction: a claim stands or falls with the
// pipeline. A bucket another account owns (or the server itself) refuses
// the pipeline, since its artifacts would be written there. It returns the
// buckets for makeBuckets.
func (e *Engine) claimBuckets(ctx context.Context, tx store.Tx, p *core.Pipeline, d *wire.PipelineDeclaration) ([]string, error) {
	names := artifactBuckets(d)
	for _, n := range names {
		err := tx.BucketClaim(ctx, n, p.Scope.Account, e.now())
		if errors.Is(err, store.ErrConflict) {
			return nil, core.Errorf(core.InvalidStructure, "Artifact store bucket '%s' belongs to another account", n)
		} else if err != nil {
			return nil, err
		}
	}
	return names, nil
}

// makeBuckets creates the claimed buckets that do not exist yet. It runs
// once the pipeline's transaction committed, before the workers hear of
// its jobs: the artifact store may be the S3 endpoint of a server sharing
// this database, whose CreateBucket records its claim in a transaction of
// its own that would wait for the pipeline's. A bucket that cannot be made
// (a name S3 refuses) does not fail the pipeline: its actions fail, saying
// the bucket is missing.
func (e *Engine) makeBuckets(ctx context.Context, names []string) {
	if e.Buckets == nil {
		return
	}
	for _, n := range names {
		if err := e.Buckets.EnsureBucket(ctx, n); err != nil {
			e.Log.Warn("artifact store bucket not created", "bucket", n, "err", err)
		}
	}
}

// artifactBuckets names the buckets of a pipeline's artifact stores.
func artifactBuckets(d *wire.PipelineDeclaration) []string {
	var names []string
	if d.ArtifactStore != nil {
		names = append(names, wire.Value(d.ArtifactStore.Location))
	}
	for _, s := range d.ArtifactStores {
		names = append(names, wire.Value(s.Location))
	}
	return names
}

// PipelineUpdated cancels what the update overtakes (E-4.12, E-4.13):
// every active execution not started in PARALLEL mode, after its
// in-progress actions; PARALLEL-started executions run on. Run the
// returned func after the transaction committed.
func (e *Engine) PipelineUpdated(ctx context.Context, tx store.Tx, p *core.Pipeline) (func(), error) {
	// Storing the version already locked the row on PostgreSQL; locking
	// here keeps the active executions read below under the lock whatever
	// the catalog did first.
	if err := tx.PipelineLock(ctx, p.Scope, p.Name); err != nil {
		return nil, err
	}
	_, d, err := pipeline(ctx, tx, p.Scope, p.Name, p.Version)
	if err != nil {
		return nil, err
	}
	buckets, err := e.claimBuckets(ctx, tx, p, d)
	if err != nil {
		return nil, err
	}
	active, err := tx.ExecutionActive(ctx, p.Scope, p.Name)
	if err != nil {
		return nil, err
	}
	for _, ex := range active {
		if ex.Mode == string(wire.ExecutionModePARALLEL) || ex.Halt != "" {
			continue
		}
		ex.Halt, ex.Updated = core.HaltCancel, e.now()
		if err := tx.ExecutionUpdate(ctx, ex); err != nil {
			return nil, err
		}
	}
	fx := &effects{}
	if err := e.reconcile(ctx, tx, fx, p.Scope, p.Name, ""); err != nil {
		return nil, err
	}
	return func() { e.makeBuckets(ctx, buckets); e.fire(fx) }, nil
}

// StartPipelineExecution starts the latest version of a pipeline (§2.1).
func (e *Engine) StartPipelineExecution(ctx context.Context, in *wire.StartPipelineExecutionInput) (*wire.StartPipelineExecutionOutput, error) {
	name, token := wire.Value(in.Name), wire.Value(in.ClientRequestToken)
	var id string
	err := e.onPipeline(ctx, name, func(tx store.Tx, fx *effects, sc core.Scope, p *core.Pipeline, d *wire.PipelineDeclaration) error {
		if token != "" {
			if ex, err := tx.ExecutionByToken(ctx, sc, name, token); err == nil {
				id = ex.ID // idempotent: the same token starts one execution
				return nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		vars, err := resolveVariables(d, in.Variables)
		if err != nil {
			return err
		}
		overrides, err := sourceOverrides(d, in.SourceRevisions)
		if err != nil {
			return err
		}
		ex := e.newExecution(p, d, trigger{wire.TriggerTypeStartPipelineExecution, core.CallerFrom(ctx).ARN()})
		ex.ClientToken, ex.Variables, ex.SourceRevisions = token, vars, overrides
		id = ex.ID
		return e.launch(ctx, tx, fx, ex)
	})
	if err != nil {
		return nil, core.Wrap(err, "start pipeline execution")
	}
	return &wire.StartPipelineExecutionOutput{PipelineExecutionId: wire.Ptr(id)}, nil
}

// resolveVariables gives every declared pipeline variable its value:
// the one given, else its default (E-1.4, V-8).
func resolveVariables(d *wire.PipelineDeclaration, given []wire.PipelineVariable) (map[string]string, error) {
	if len(given) > 0 && d.PipelineType != wire.PipelineTypeV2 {
		return nil, core.Errorf(core.Validation, "Pipeline variables can only be given to V2 pipelines")
	}
	declared := map[string]*wire.PipelineVariableDeclaration{}
	for i, v := range d.Variables {
		declared[wire.Value(v.Name)] = &d.Variables[i]
	}
	out := map[string]string{}
	for _, v := range given {
		n := wire.Value(v.Name)
		if declared[n] == nil {
			return nil, core.Errorf(core.Validation, "Variable '%s' is not declared by the pipeline", n)
		}
		if _, dup := out[n]; dup {
			return nil, core.Errorf(core.Validation, "Variable '%s' is given more than once", n)
		}
		out[n] = wire.Value(v.Value)
	}
	for n, v := range declared {
		if _, ok := out[n]; ok {
			continue
		}
		if v.DefaultValue == nil {
			return nil, core.Errorf(core.Validation, "Variable '%s' has no default value and must be given", n)
		}
		out[n] = *v.DefaultValue
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// sourceOverrides checks revision overrides name source actions (E-1.3).
func sourceOverrides(d *wire.PipelineDeclaration, given []wire.SourceRevisionOverride) ([]core.SourceRevision, error) {
	if len(given) == 0 {
		return nil, nil
	}
	if d.PipelineType != wire.PipelineTypeV2 {
		return nil, core.Errorf(core.Validation, "Source revision overrides can only be given to V2 pipelines")
	}
	var out []core.SourceRevision
	seen := map[string]bool{}
	for _, o := range given {
		name := wire.Value(o.ActionName)
		a, err := findAction(d, 0, name)
		if err != nil || a.ActionTypeId.Category != wire.ActionCategorySource {
			return nil, core.Errorf(core.Validation, "Action '%s' is not a source action of the first stage", name)
		}
		if seen[name+string(o.RevisionType)] {
			return nil, core.Errorf(core.Validation, "Action '%s' has more than one %s override", name, o.RevisionType)
		}
		seen[name+string(o.RevisionType)] = true
		if o.RevisionType == wire.SourceRevisionTypeS3_OBJECT_KEY && a.Configuration["AllowOverrideForS3ObjectKey"] != "true" {
			return nil, core.Errorf(core.Validation, "Action '%s' does not allow S3_OBJECT_KEY overrides: set AllowOverrideForS3ObjectKey to true", name)
		}
		out = append(out, core.SourceRevision{ActionName: name, RevisionType: string(o.RevisionType), RevisionValue: wire.Value(o.RevisionValue)})
	}
	return out, nil
}
