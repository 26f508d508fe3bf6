package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// sweepBatch bounds the rows one sweep transaction handles.
const sweepBatch = 100

// Run recovers and then keeps time for the engine until ctx ends: it
// plans every pipeline with an active execution once (whatever a crash
// interrupted continues from the database), then sleeps until the next
// deadline, a wake-up from a committed change, or the sweep interval,
// and handles what is due: action timeouts, unacknowledged jobs.
func (e *Engine) Run(ctx context.Context) {
	if err := e.Recover(ctx); err != nil && ctx.Err() == nil {
		e.Log.Error("recover executions", "err", err)
	}
	for {
		// Until the next wake-up is planned, every deadline is news: a
		// change committed after NextDeadline was read must wake us.
		e.planned.Store(math.MaxInt64)
		if err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			e.Log.Error("sweep", "err", err)
		}
		wait := e.Timeouts.Sweep
		if at, ok, err := e.Store.NextDeadline(ctx); err == nil && ok {
			wait = min(wait, max(at.Sub(e.Clock.Now()), time.Millisecond))
		}
		e.planned.Store(e.Clock.Now().Add(wait).UnixMilli())
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-e.wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// Recover plans every pipeline that has an active execution.
func (e *Engine) Recover(ctx context.Context) error {
	refs, err := e.Store.ActivePipelines(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs {
		err := e.inTx(ctx, func(tx store.Tx, fx *effects) error {
			return e.reconcile(ctx, tx, fx, ref.Scope, ref.Name, "")
		})
		if err != nil { // one pipeline that cannot be planned must not hold the others back
			errs = append(errs, fmt.Errorf("pipeline %s of %s/%s: %w", ref.Name, ref.Scope.Account, ref.Scope.Region, err))
		}
	}
	return errors.Join(errs...)
}

// Sweep handles everything due now: jobs whose acknowledgement window or
// time ran out, and actions that timed out (E-2.5, J-2.5, J-2.10, A-5).
func (e *Engine) Sweep(ctx context.Context) error {
	// Every committed change that moves a deadline wakes the sweeper, so
	// under load it would otherwise take the writer for an empty sweep
	// after each one. NextDeadline reads the same rows sweepOnce expires.
	if at, ok, err := e.Store.NextDeadline(ctx); err == nil && (!ok || !at.Before(e.now())) {
		return nil
	}
	for {
		var n int
		err := e.inTx(ctx, func(tx store.Tx, fx *effects) error {
			var err error
			n, err = e.sweepOnce(ctx, tx, fx)
			return err
		})
		if err != nil || n < sweepBatch {
			return err
		}
	}
}

func (e *Engine) sweepOnce(ctx context.Context, tx store.Tx, fx *effects) (int, error) {
	now := e.now()
	jobs, err := tx.JobsExpired(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		if err := e.expireJob(ctx, tx, fx, j, now); err != nil {
			return 0, err
		}
	}
	runs, err := tx.ActionRunsExpired(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	for _, r := range runs {
		if err := e.timeOut(ctx, tx, fx, r, now); err != nil {
			return 0, err
		}
	}
	return max(len(jobs), len(runs)), nil
}

// expireJob queues again a job nobody acknowledged in time, with a new
// nonce once claimed (J-2.5); a job in progress past its time times out
// its action.
func (e *Engine) expireJob(ctx context.Context, tx store.Tx, fx *effects, j *core.Job, now time.Time) error {
	if j.Status == core.JobDispatched {
		r, err := tx.ActionRunGet(ctx, j.Scope, j.ActionRunID)
		if err != nil {
			return err
		}
		j.Status, j.Nonce, j.Updated, j.Deadline = core.JobQueued, "", now, r.Deadline
		fx.queue(j.Scope, j.Type)
		return tx.JobPut(ctx, j)
	}
	r, err := tx.ActionRunGet(ctx, j.Scope, j.ActionRunID)
	if err != nil {
		return err
	}
	return e.timeOut(ctx, tx, fx, r, now)
}

// timeOut fails an action that ran out of time, and its jobs.
func (e *Engine) timeOut(ctx context.Context, tx store.Tx, fx *effects, r *core.ActionRun, now time.Time) error {
	if err := tx.PipelineLock(ctx, r.Scope, r.Pipeline); errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if r.Status == core.StatusInProgress {
		r.Status, r.ErrorCode, r.Updated = core.StatusFailed, string(wire.FailureTypeJobFailed), now
		r.ErrorMessage = "The action timed out"
		if isApproval(r.Type) {
			r.ErrorMessage = "The approval request expired without an answer"
		}
		r.Summary = r.ErrorMessage
		if err := tx.ActionRunPut(ctx, r); err != nil {
			return err
		}
	}
	if err := closeJobs(ctx, tx, r, core.JobTimedOut, now); err != nil {
		return err
	}
	return e.reconcile(ctx, tx, fx, r.Scope, r.Pipeline, r.ExecutionID)
}
