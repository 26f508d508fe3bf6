package engine

import (
	"context"
	"errors"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// RetryStageExecution re-runs the failed actions of a stage, or all of
// them, in the same execution.
func (e *Engine) RetryStageExecution(ctx context.Context, in *wire.RetryStageExecutionInput) (*wire.RetryStageExecutionOutput, error) {
	name, stage, id := wire.Value(in.PipelineName), wire.Value(in.StageName), wire.Value(in.PipelineExecutionId)
	err := e.onPipeline(ctx, name, func(tx store.Tx, fx *effects, sc core.Scope, p *core.Pipeline, d *wire.PipelineDeclaration) error {
		if _, err := stageIndex(d, stage); err != nil {
			return err
		}
		ex, err := execution(ctx, tx, sc, name, id)
		if err != nil {
			return err
		}
		f, err := e.retryable(ctx, tx, p, ex, stage, in.RetryMode)
		if err != nil {
			return err
		}
		f.stage.ManualRetries++
		f.stage.LatestRetryTrigger = string(wire.RetryTriggerManualStageRetry)
		pl := newPlan(e.now(), e.NewID, e.Timeouts, func(string, string) bool { return false }, []*flow{f})
		pl.retry(f, in.RetryMode)
		if err := e.apply(ctx, tx, fx, pl, nil); err != nil {
			return err
		}
		return e.reconcile(ctx, tx, fx, sc, name, id)
	})
	if err != nil {
		return nil, core.Wrap(err, "retry stage execution")
	}
	return &wire.RetryStageExecutionOutput{PipelineExecutionId: wire.Ptr(id)}, nil
}

// retryable checks and returns the execution's flow in the stage.
func (e *Engine) retryable(ctx context.Context, tx store.Tx, p *core.Pipeline, ex *core.Execution, stage string, mode wire.StageRetryMode) (*flow, error) {
	latest, err := latestStageRun(ctx, tx, ex.Scope, ex.Pipeline, stage)
	if err != nil {
		return nil, err
	}
	if latest == nil || latest.ExecutionID != ex.ID {
		if _, err := tx.StageRunGet(ctx, ex.Scope, ex.Pipeline, ex.ID, stage); errors.Is(err, store.ErrNotFound) {
			return nil, core.Errorf(core.StageNotRetryable, "Pipeline execution '%s' did not run stage '%s'", ex.ID, stage)
		}
		return nil, core.Errorf(core.NotLatestPipelineExecution, "Stage '%s' has run in a later execution than '%s'; that execution is out of date", stage, ex.ID)
	}
	if ex.PipelineVersion != p.Version {
		return nil, core.Errorf(core.StageNotRetryable, "The pipeline was updated after execution '%s' ran stage '%s'", ex.ID, stage)
	}
	if ex.Active() || latest.Status != core.StatusFailed && latest.Status != core.StatusStopped {
		return nil, core.Errorf(core.StageNotRetryable, "Stage '%s' of execution '%s' is %s: only a failed or stopped stage can be retried", stage, ex.ID, latest.Status)
	}
	_, d, err := pipeline(ctx, tx, ex.Scope, ex.Pipeline, ex.PipelineVersion)
	if err != nil {
		return nil, err
	}
	f, err := loadFlow(ctx, tx, ex, d)
	if err != nil {
		return nil, err
	}
	f.stage = latest
	if wire.Value(d.Stages[ex.Stage].Name) != stage {
		return nil, core.Errorf(core.StageNotRetryable, "Execution '%s' did not stop in stage '%s'", ex.ID, stage)
	}
	hasFailed := false
	for _, r := range current(f) {
		switch r.Status {
		case core.StatusInProgress:
			if mode == wire.StageRetryModeALL_ACTIONS {
				return nil, core.Errorf(core.StageNotRetryable, "Action '%s' is still in progress; ALL_ACTIONS needs every action finished", r.Action)
			}
		case core.StatusFailed, core.StatusAbandoned:
			hasFailed = true
		}
	}
	if !hasFailed && latest.Status != core.StatusStopped {
		return nil, core.Errorf(core.StageNotRetryable, "Stage '%s' has no failed actions", stage)
	}
	return f, nil
}

// latestStageRun is the latest run of a stage in any execution, or nil.
func latestStageRun(ctx context.Context, r store.Reader, sc core.Scope, name, stage string) (*core.StageRun, error) {
	runs, err := r.StageRunsLatest(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	for _, s := range runs {
		if s.Stage == stage {
			return s, nil
		}
	}
	return nil, nil
}

// RollbackStage re-runs one stage with what an earlier successful
// execution ran it with, as a new ROLLBACK execution.
func (e *Engine) RollbackStage(ctx context.Context, in *wire.RollbackStageInput) (*wire.RollbackStageOutput, error) {
	name, stage, target := wire.Value(in.PipelineName), wire.Value(in.StageName), wire.Value(in.TargetPipelineExecutionId)
	var id string
	err := e.onPipeline(ctx, name, func(tx store.Tx, fx *effects, sc core.Scope, p *core.Pipeline, d *wire.PipelineDeclaration) error {
		i, err := stageIndex(d, stage)
		if err != nil {
			return err
		}
		t, err := execution(ctx, tx, sc, name, target)
		if err != nil {
			return err
		}
		if err := checkRollback(ctx, tx, p, d, i, t); err != nil {
			return err
		}
		ex := e.newExecution(p, d, trigger{wire.TriggerTypeManualRollback, core.CallerFrom(ctx).ARN()})
		ex.Type, ex.RollbackTarget, ex.OnlyStage, ex.Stage = string(wire.ExecutionTypeROLLBACK), t.ID, stage, i
		ex.Variables, ex.Sources = t.Variables, t.Sources
		id = ex.ID
		if err := tx.ExecutionCreate(ctx, ex); err != nil {
			return err
		}
		return e.reconcile(ctx, tx, fx, sc, name, ex.ID)
	})
	if err != nil {
		return nil, core.Wrap(err, "rollback stage")
	}
	return &wire.RollbackStageOutput{PipelineExecutionId: wire.Ptr(id)}, nil
}

// checkRollback applies and E-4.9.
func checkRollback(ctx context.Context, tx store.Tx, p *core.Pipeline, d *wire.PipelineDeclaration, stage int, t *core.Execution) error {
	name := wire.Value(d.Stages[stage].Name)
	switch {
	case d.ExecutionMode == wire.ExecutionModePARALLEL:
		return core.Errorf(core.UnableToRollbackStage, "Stages of PARALLEL pipelines cannot be rolled back")
	case stage == 0:
		return core.Errorf(core.UnableToRollbackStage, "Stage '%s' is the source stage, which cannot be rolled back", name)
	case t.Type == string(wire.ExecutionTypeROLLBACK):
		return core.Errorf(core.UnableToRollbackStage, "Execution '%s' is itself a rollback and cannot be a rollback target", t.ID)
	case t.PipelineVersion != p.Version:
		return core.Errorf(core.PipelineExecutionOutdated, "Execution '%s' ran pipeline version %d; only executions of the current version %d can be rollback targets", t.ID, t.PipelineVersion, p.Version)
	}
	run, err := tx.StageRunGet(ctx, t.Scope, t.Pipeline, t.ID, name)
	if errors.Is(err, store.ErrNotFound) || err == nil && run.Status != core.StatusSucceeded {
		return core.Errorf(core.UnableToRollbackStage, "Execution '%s' did not succeed in stage '%s'", t.ID, name)
	}
	if err != nil {
		return err
	}
	latest, err := latestStageRun(ctx, tx, t.Scope, t.Pipeline, name)
	if err != nil {
		return err
	}
	if latest != nil && (latest.Status == core.StatusInProgress || latest.Status == core.StatusStopping) {
		return core.Errorf(core.UnableToRollbackStage, "Stage '%s' is running execution '%s'", name, latest.ExecutionID)
	}
	return nil
}

// PutActionRevision gives a source action a revision; a revision never
// seen before starts an execution that uses it (§2.1).
func (e *Engine) PutActionRevision(ctx context.Context, in *wire.PutActionRevisionInput) (*wire.PutActionRevisionOutput, error) {
	name, stage, action := wire.Value(in.PipelineName), wire.Value(in.StageName), wire.Value(in.ActionName)
	rev := in.ActionRevision
	out := &wire.PutActionRevisionOutput{NewRevision: wire.Ptr(false)}
	err := e.onPipeline(ctx, name, func(tx store.Tx, fx *effects, sc core.Scope, p *core.Pipeline, d *wire.PipelineDeclaration) error {
		i, err := stageIndex(d, stage)
		if err != nil {
			return err
		}
		if _, err := findAction(d, i, action); err != nil {
			return err
		}
		if i != 0 {
			return core.Errorf(core.Validation, "Action '%s' is not in the first stage: only source actions take revisions", action)
		}
		seen, err := tx.RevisionGet(ctx, sc, name, stage, action, wire.Value(rev.RevisionId))
		if err == nil {
			out.PipelineExecutionId = wire.Ptr(seen.ExecutionID)
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		ex := e.newExecution(p, d, trigger{wire.TriggerTypePutActionRevision, core.CallerFrom(ctx).ARN()})
		r := core.Revision{RevisionID: wire.Value(rev.RevisionId), ChangeIdentifier: wire.Value(rev.RevisionChangeId)}
		if rev.Created != nil {
			r.Created = rev.Created.Time
		}
		ex.Pinned = map[string]core.Revision{action: r}
		out.PipelineExecutionId, out.NewRevision = wire.Ptr(ex.ID), wire.Ptr(true)
		if err := tx.RevisionPut(ctx, &core.RevisionSeen{
			Scope: sc, Pipeline: name, Stage: stage, Action: action,
			RevisionID: r.RevisionID, ExecutionID: ex.ID, Created: e.now(),
		}); err != nil {
			return err
		}
		return e.launch(ctx, tx, fx, ex)
	})
	if err != nil {
		return nil, core.Wrap(err, "put action revision")
	}
	return out, nil
}
