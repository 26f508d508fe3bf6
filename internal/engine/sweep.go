package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
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
// and handles what is due: action timeouts, unacknowledged jobs, jobs
// whose server stopped renewing their lease.
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
// time ran out, actions that timed out (E-2.5, J-2.5, J-2.10, A-5), and
// handed-out jobs whose lease ran out, which are queued again.
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

// sweepOnce handles one batch of what is due. The listings only say
// where to look: each pipeline is locked, and each of its jobs and runs
// read again and handled only if it is still due, since another replica's
// sweeper or a worker's result may have got there first. Pipelines are
// locked in one order, so two sweepers never wait for each other in a
// cycle.
func (e *Engine) sweepOnce(ctx context.Context, tx store.Tx, fx *effects) (int, error) {
	now := e.now()
	jobs, err := tx.JobsExpired(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	runs, err := tx.ActionRunsExpired(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	leased, err := tx.JobsLeaseExpired(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	due := dueWork{}
	for _, j := range jobs {
		w := due.of(j.Scope, j.Pipeline)
		w.jobs = append(w.jobs, j.ID)
	}
	for _, r := range runs {
		w := due.of(r.Scope, r.Pipeline)
		w.runs = append(w.runs, r.ID)
	}
	for _, j := range leased {
		w := due.of(j.Scope, j.Pipeline)
		w.leases = append(w.leases, j.ID)
	}
	for _, ref := range due.order() {
		if err := e.sweepPipeline(ctx, tx, fx, ref, due[ref], now); err != nil {
			return 0, err
		}
	}
	return max(len(jobs), len(runs), len(leased)), nil
}

// dueWork is what a sweep found due, by pipeline.
type dueWork map[core.PipelineRef]*pipelineDue

// pipelineDue names the due jobs, action runs and leases of one pipeline.
type pipelineDue struct {
	jobs, runs, leases []string
}

func (d dueWork) of(sc core.Scope, pipeline string) *pipelineDue {
	ref := core.PipelineRef{Scope: sc, Name: pipeline}
	if d[ref] == nil {
		d[ref] = &pipelineDue{}
	}
	return d[ref]
}

// order is the order pipelines are locked in: by account, region and name.
func (d dueWork) order() []core.PipelineRef {
	refs := slices.Collect(maps.Keys(d))
	slices.SortFunc(refs, func(a, b core.PipelineRef) int {
		return cmp.Or(cmp.Compare(a.Scope.Account, b.Scope.Account), cmp.Compare(a.Scope.Region, b.Scope.Region),
			cmp.Compare(a.Name, b.Name))
	})
	return refs
}

// sweepPipeline locks one pipeline and handles what is still due in it.
func (e *Engine) sweepPipeline(ctx context.Context, tx store.Tx, fx *effects, ref core.PipelineRef, due *pipelineDue, now time.Time) error {
	if err := tx.PipelineLock(ctx, ref.Scope, ref.Name); errors.Is(err, store.ErrNotFound) {
		return nil // deleted, with its jobs and runs
	} else if err != nil {
		return err
	}
	for _, id := range due.jobs {
		if err := e.expireJob(ctx, tx, fx, ref.Scope, id, now); err != nil {
			return err
		}
	}
	for _, id := range due.runs {
		r, err := tx.ActionRunGet(ctx, ref.Scope, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if r.Status != core.StatusInProgress || !past(r.Deadline, now) {
			continue // it ended, or was timed out, since it was listed
		}
		if err := e.timeOut(ctx, tx, fx, r, now); err != nil {
			return err
		}
	}
	// Last: a job past its deadline too was handled above.
	_, err := e.requeueIf(ctx, tx, fx, ref.Scope, due.leases, leaseEnded(now), now)
	return err
}

// past tells whether a deadline is set and before now.
func past(deadline, now time.Time) bool {
	return !deadline.IsZero() && deadline.Before(now)
}

// expireJob queues again a job nobody acknowledged in time, with a new
// nonce once claimed (J-2.5); a job in progress past its time times out
// its action. The caller holds the job's pipeline lock; the job is read
// under it and left alone when it is no longer due.
func (e *Engine) expireJob(ctx context.Context, tx store.Tx, fx *effects, sc core.Scope, id string, now time.Time) error {
	j, err := tx.JobGet(ctx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if !jobOut(j.Status) || !past(j.Deadline, now) {
		return nil // acknowledged, finished or queued again since it was listed
	}
	if j.Status == core.JobDispatched {
		return e.requeue(ctx, tx, fx, j, now)
	}
	r, err := tx.ActionRunGet(ctx, j.Scope, j.ActionRunID)
	if err != nil {
		return err
	}
	return e.timeOut(ctx, tx, fx, r, now)
}

// jobOut tells whether a job is handed out: Dispatched or InProgress.
func jobOut(status string) bool {
	return status == core.JobDispatched || status == core.JobInProgress
}

// requeue queues a handed-out job again. Its next claim gives it a new
// nonce and fresh artifact credentials; those of this hand-out open
// nothing any more. The caller holds the job's pipeline lock.
func (e *Engine) requeue(ctx context.Context, tx store.Tx, fx *effects, j *core.Job, now time.Time) error {
	r, err := tx.ActionRunGet(ctx, j.Scope, j.ActionRunID)
	if err != nil {
		return err
	}
	j.Status, j.Nonce, j.Updated, j.Deadline, j.AccessKeyID = core.JobQueued, "", now, r.Deadline, ""
	j.LeaseOwner, j.LeaseExpires = "", time.Time{}
	fx.queue(j.Scope, j.Type)
	return tx.JobPut(ctx, j)
}

// timeOut fails an action that ran out of time, and its jobs. The caller
// holds the pipeline lock and read r under it.
func (e *Engine) timeOut(ctx context.Context, tx store.Tx, fx *effects, r *core.ActionRun, now time.Time) error {
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
