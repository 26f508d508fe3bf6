package engine

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// StopPipelineExecution stops an execution, letting in-progress actions
// finish or abandoning them (E-5).
func (e *Engine) StopPipelineExecution(ctx context.Context, in *wire.StopPipelineExecutionInput) (*wire.StopPipelineExecutionOutput, error) {
	name, id, abandon := wire.Value(in.PipelineName), wire.Value(in.PipelineExecutionId), wire.Value(in.Abandon)
	err := e.onPipeline(ctx, name, func(tx store.Tx, fx *effects, sc core.Scope, _ *core.Pipeline, _ *wire.PipelineDeclaration) error {
		ex, err := execution(ctx, tx, sc, name, id)
		if err != nil {
			return err
		}
		if err := checkStoppable(ex, abandon); err != nil {
			return err
		}
		ex.Status, ex.Updated = core.StatusStopping, e.now()
		if in.Reason != nil || ex.StopReason == "" { // an abandon after a stop keeps its reason unless it gives one
			ex.StopReason = wire.Value(in.Reason)
		}
		ex.Halt = core.HaltStop
		if abandon {
			ex.Halt = core.HaltAbandon
		}
		if err := tx.ExecutionUpdate(ctx, ex); err != nil {
			return err
		}
		if err := markStageStopping(ctx, tx, ex, e.now()); err != nil {
			return err
		}
		return e.reconcile(ctx, tx, fx, sc, name, id)
	})
	if err != nil {
		return nil, core.Wrap(err, "stop pipeline execution")
	}
	return &wire.StopPipelineExecutionOutput{PipelineExecutionId: wire.Ptr(id)}, nil
}

// checkStoppable applies E-5.3: only active executions stop, a stop may
// be repeated only to turn it into an abandon.
func checkStoppable(ex *core.Execution, abandon bool) error {
	if !ex.Active() {
		return core.Errorf(core.PipelineExecutionNotStoppable, "Unable to stop pipeline execution '%s': it is %s, not in progress", ex.ID, ex.Status)
	}
	if ex.Status == core.StatusStopping && (!abandon || ex.Halt == core.HaltAbandon) {
		return core.Errorf(core.DuplicatedStopRequest, "Pipeline execution '%s' is already stopping", ex.ID)
	}
	return nil
}

// markStageStopping shows the stage a stopping execution is in as Stopping.
func markStageStopping(ctx context.Context, tx store.Tx, ex *core.Execution, now time.Time) error {
	if ex.Phase != core.PhaseRunning {
		return nil
	}
	runs, err := tx.StageRunsOf(ctx, ex.Scope, ex.Pipeline, ex.ID)
	if err != nil || len(runs) == 0 {
		return err
	}
	last := runs[len(runs)-1]
	if last.Status != core.StatusInProgress {
		return nil
	}
	last.Status, last.Updated = core.StatusStopping, now
	return tx.StageRunPut(ctx, last)
}

// DisableStageTransition holds executions at a stage boundary (E-3.1).
func (e *Engine) DisableStageTransition(ctx context.Context, in *wire.DisableStageTransitionInput) (*struct{}, error) {
	return nil, e.setTransition(ctx, wire.Value(in.PipelineName), wire.Value(in.StageName), string(in.TransitionType), false, wire.Value(in.Reason))
}

// EnableStageTransition lets held executions move again (E-3.3).
func (e *Engine) EnableStageTransition(ctx context.Context, in *wire.EnableStageTransitionInput) (*struct{}, error) {
	return nil, e.setTransition(ctx, wire.Value(in.PipelineName), wire.Value(in.StageName), string(in.TransitionType), true, "")
}

func (e *Engine) setTransition(ctx context.Context, name, stage, kind string, enabled bool, reason string) error {
	err := e.onPipeline(ctx, name, func(tx store.Tx, fx *effects, sc core.Scope, _ *core.Pipeline, d *wire.PipelineDeclaration) error {
		if _, err := stageIndex(d, stage); err != nil {
			return err
		}
		t := &core.Transition{
			Scope: sc, Pipeline: name, Stage: stage, Kind: kind, Enabled: enabled,
			Reason: reason, By: core.CallerFrom(ctx).ARN(), At: e.now(),
		}
		if err := tx.TransitionPut(ctx, t); err != nil {
			return err
		}
		return e.reconcile(ctx, tx, fx, sc, name, "")
	})
	return core.Wrap(err, "change stage transition")
}

// PutApprovalResult answers a manual approval.
func (e *Engine) PutApprovalResult(ctx context.Context, in *wire.PutApprovalResultInput) (*wire.PutApprovalResultOutput, error) {
	name, stage, action := wire.Value(in.PipelineName), wire.Value(in.StageName), wire.Value(in.ActionName)
	now := e.now()
	err := e.onPipeline(ctx, name, func(tx store.Tx, fx *effects, sc core.Scope, _ *core.Pipeline, d *wire.PipelineDeclaration) error {
		i, err := stageIndex(d, stage)
		if err != nil {
			return err
		}
		if _, err := findAction(d, i, action); err != nil {
			return err
		}
		r, err := tx.ActionRunByToken(ctx, sc, name, stage, action, wire.Value(in.Token))
		if errors.Is(err, store.ErrNotFound) {
			return core.Errorf(core.InvalidApprovalToken, "The token does not match an approval request of action '%s'", action)
		}
		if err != nil {
			return err
		}
		if err := checkApprovable(r); err != nil {
			return err
		}
		r.Status = core.StatusSucceeded
		if in.Result.Status == wire.ApprovalStatusRejected {
			r.Status, r.ErrorCode = core.StatusFailed, "ApprovalRejected"
			r.ErrorMessage = "Rejected: " + wire.Value(in.Result.Summary)
		}
		r.Summary, r.UpdatedBy, r.Updated = wire.Value(in.Result.Summary), core.CallerFrom(ctx).ARN(), now
		if err := tx.ActionRunPut(ctx, r); err != nil {
			return err
		}
		return e.reconcile(ctx, tx, fx, sc, name, r.ExecutionID)
	})
	if err != nil {
		return nil, core.Wrap(err, "put approval result")
	}
	return &wire.PutApprovalResultOutput{ApprovedAt: wire.NewTime(now)}, nil
}

// checkApprovable tells an answered approval from an expired one.
func checkApprovable(r *core.ActionRun) error {
	switch {
	case r.Status == core.StatusInProgress:
		return nil
	case r.UpdatedBy != "":
		return core.Errorf(core.ApprovalAlreadyCompleted, "The approval request of action '%s' was already %s", r.Action, approvalWord(r.Status))
	default:
		return core.Errorf(core.InvalidApprovalToken, "The approval request of action '%s' has expired or was abandoned", r.Action)
	}
}

func approvalWord(status string) string {
	if status == core.StatusSucceeded {
		return "approved"
	}
	return "rejected"
}
