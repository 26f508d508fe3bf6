package store

import (
	"context"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

// ExecutionReader holds the engine's reads: executions, stage and action
// runs, jobs, transitions and seen revisions. Lists that page go newest
// first, by Seq: Before is an exclusive upper bound, 0 for no bound.
type ExecutionReader interface {
	// ExecutionGet returns an execution of a pipeline; ErrNotFound when absent.
	ExecutionGet(ctx context.Context, scope core.Scope, pipeline, id string) (*core.Execution, error)
	// ExecutionByToken returns the execution started with a client request
	// token; ErrNotFound when none was.
	ExecutionByToken(ctx context.Context, scope core.Scope, pipeline, token string) (*core.Execution, error)
	// ExecutionList returns executions newest first. With SucceededIn set,
	// only executions whose run of that stage succeeded.
	ExecutionList(ctx context.Context, scope core.Scope, pipeline string, f ExecutionFilter) ([]*core.Execution, error)
	// ExecutionActive returns the InProgress and Stopping executions of a
	// pipeline, oldest first.
	ExecutionActive(ctx context.Context, scope core.Scope, pipeline string) ([]*core.Execution, error)
	// ActivePipelines names every pipeline with an active execution.
	ActivePipelines(ctx context.Context) ([]core.PipelineRef, error)

	// StageRunGet returns an execution's run of a stage; ErrNotFound when
	// the execution never entered it.
	StageRunGet(ctx context.Context, scope core.Scope, pipeline, executionID, stage string) (*core.StageRun, error)
	// StageRunsOf returns an execution's stage runs in the order entered.
	StageRunsOf(ctx context.Context, scope core.Scope, pipeline, executionID string) ([]*core.StageRun, error)
	// StageRunsLatest returns, per stage name, the run with the highest Seq.
	StageRunsLatest(ctx context.Context, scope core.Scope, pipeline string) ([]*core.StageRun, error)

	// ActionRunGet returns an action run by id; ErrNotFound when absent.
	ActionRunGet(ctx context.Context, scope core.Scope, id string) (*core.ActionRun, error)
	// ActionRunsOf returns an execution's action runs, oldest first.
	ActionRunsOf(ctx context.Context, scope core.Scope, pipeline, executionID string) ([]*core.ActionRun, error)
	// ActionRunsLatest returns, per (stage, action), the run with the highest Seq.
	ActionRunsLatest(ctx context.Context, scope core.Scope, pipeline string) ([]*core.ActionRun, error)
	// ActionRunsBusy counts an execution's InProgress runs of one stage.
	ActionRunsBusy(ctx context.Context, scope core.Scope, pipeline, executionID, stage string) (int, error)
	// ActionRunList returns action runs newest first, of one execution when
	// ExecutionID is set.
	ActionRunList(ctx context.Context, scope core.Scope, pipeline string, f ActionRunFilter) ([]*core.ActionRun, error)
	// ActionRunByToken returns the run of an action that holds an approval
	// token; ErrNotFound when none does.
	ActionRunByToken(ctx context.Context, scope core.Scope, pipeline, stage, action, token string) (*core.ActionRun, error)

	// JobGet returns a job by id; ErrNotFound when absent or of another scope.
	JobGet(ctx context.Context, scope core.Scope, id string) (*core.Job, error)
	// JobsOf returns the jobs of an action run, oldest first.
	JobsOf(ctx context.Context, scope core.Scope, actionRunID string) ([]*core.Job, error)
	// JobByAccessKey returns the job whose artifact credentials have this
	// access key id, in any scope; ErrNotFound when none has.
	JobByAccessKey(ctx context.Context, accessKeyID string) (*core.Job, error)

	// TransitionList returns the recorded transitions of a pipeline.
	// Stages with no row have both transitions enabled.
	TransitionList(ctx context.Context, scope core.Scope, pipeline string) ([]*core.Transition, error)

	// RevisionGet returns the record of a revision given to a source
	// action; ErrNotFound when it was never given.
	RevisionGet(ctx context.Context, scope core.Scope, pipeline, stage, action, revision string) (*core.RevisionSeen, error)

	// NextDeadline returns the earliest Deadline of an InProgress action
	// run, or Deadline or LeaseExpires of a Dispatched or InProgress job,
	// in any scope; ok is false when nothing waits on a deadline.
	NextDeadline(ctx context.Context) (at time.Time, ok bool, err error)
}

// ExecutionFilter selects executions of ExecutionList.
type ExecutionFilter struct {
	SucceededIn string // stage name, or "" for all
	Before      int64  // Seq bound, exclusive; 0 for none
	Limit       int
}

// ActionRunFilter selects action runs of ActionRunList.
type ActionRunFilter struct {
	ExecutionID string // "" for every execution
	Before      int64  // Seq bound, exclusive; 0 for none
	Limit       int
}

// ExecutionTx holds the engine's writes. Every write happens inside a
// transaction that first locked the pipeline with PipelineLock, so two
// engines sharing a database never interleave changes to one pipeline.
type ExecutionTx interface {
	// PipelineLock locks a pipeline's row until the transaction ends.
	// ErrNotFound when the pipeline does not exist.
	PipelineLock(ctx context.Context, scope core.Scope, name string) error

	// ExecutionCreate inserts an execution and sets its Seq.
	// ErrConflict when the id exists.
	ExecutionCreate(ctx context.Context, e *core.Execution) error
	// ExecutionUpdate replaces a stored execution. ErrNotFound when absent.
	ExecutionUpdate(ctx context.Context, e *core.Execution) error

	// StageRunPut inserts (setting Seq) or replaces an execution's run of a stage.
	StageRunPut(ctx context.Context, r *core.StageRun) error
	// ActionRunPut inserts (setting Seq) or replaces an action run by id.
	ActionRunPut(ctx context.Context, r *core.ActionRun) error

	// JobPut inserts or replaces a job by id.
	JobPut(ctx context.Context, j *core.Job) error
	// JobClaim hands out up to limit Queued jobs of one action type, oldest
	// first, that have QueryValue equal to query when query is not nil.
	// Claimed jobs become Dispatched with a fresh nonce from nonce() and
	// the given deadline. A job is never claimed twice.
	JobClaim(ctx context.Context, scope core.Scope, typ core.ActionTypeID, query *string, limit int,
		now, deadline time.Time, nonce func() string) ([]*core.Job, error)
	// JobClaimOwned is JobClaim for every action type of one owner, in
	// any scope: the embedded worker works all built-in (AWS) jobs.
	JobClaimOwned(ctx context.Context, owner string, limit int,
		now, deadline time.Time, nonce func() string) ([]*core.Job, error)
	// JobsExpired returns up to limit Dispatched or InProgress jobs whose
	// deadline is before now, in any scope.
	JobsExpired(ctx context.Context, now time.Time, limit int) ([]*core.Job, error)
	// JobsLeaseExpired returns up to limit Dispatched or InProgress jobs
	// whose lease ended before now, in any scope, earliest first.
	JobsLeaseExpired(ctx context.Context, now time.Time, limit int) ([]*core.Job, error)
	// JobsLeasedBy returns up to limit Dispatched or InProgress jobs whose
	// lease owner is owner, in any scope, whether their lease ended or not.
	JobsLeasedBy(ctx context.Context, owner string, limit int) ([]*core.Job, error)
	// ActionRunsExpired returns up to limit InProgress action runs whose
	// deadline is before now, in any scope.
	ActionRunsExpired(ctx context.Context, now time.Time, limit int) ([]*core.ActionRun, error)

	// TransitionPut records the state of a transition.
	TransitionPut(ctx context.Context, t *core.Transition) error
	// RevisionPut records a revision given to a source action.
	// ErrConflict when it was already recorded.
	RevisionPut(ctx context.Context, r *core.RevisionSeen) error
}
