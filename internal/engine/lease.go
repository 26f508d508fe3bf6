package engine

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// Leases keep replicas sharing a store off each other's built-in jobs. A
// job the embedded worker claims (ClaimBuiltin) is leased to this server's
// Instance until Timeouts.Lease from now, and the worker renews the lease
// while it runs the job (RenewLease). A handed-out job whose lease ran out
// belongs to a server that died: any replica's sweeper queues it again. A
// server that starts again with the same instance id does not wait for
// its own leases to run out (RequeueOwn).

// ErrLeaseLost: the job is no longer the renewing worker's hand-out. It
// finished, was stopped, or its lease ran out and it was queued again;
// the worker must stop working it.
var ErrLeaseLost = errors.New("engine: the job's lease is lost")

// requeueBatch bounds the jobs RequeueOwn queues again.
const requeueBatch = 10000

// lease gives claimed jobs to this server until Timeouts.Lease from now.
// handOut then stores them.
func (e *Engine) lease(jobs []*core.Job, now time.Time) {
	for _, j := range jobs {
		j.LeaseOwner, j.LeaseExpires = e.Instance, now.Add(e.Timeouts.Lease)
	}
}

// RenewLease extends the lease of a built-in job this server's worker is
// running, identified by the nonce it was handed out with, to
// Timeouts.Lease from now. ErrLeaseLost when that hand-out is over. A
// lease that ran out but was not swept yet is renewed: its worker is
// alive after all.
func (e *Engine) RenewLease(ctx context.Context, sc core.Scope, id, nonce string) error {
	return e.inTx(ctx, func(tx store.Tx, fx *effects) error {
		j, err := lockJob(ctx, tx, sc, id, func(*core.Job) error { return nil })
		if err != nil && core.ErrorCode(err) == core.JobNotFound {
			return ErrLeaseLost // deleted with its pipeline
		} else if err != nil {
			return err
		}
		if !jobOut(j.Status) || j.Nonce != nonce || j.LeaseOwner != e.Instance {
			return ErrLeaseLost
		}
		j.LeaseExpires = e.now().Add(e.Timeouts.Lease)
		return tx.JobPut(ctx, j)
	})
}

// RequeueOwn queues again the built-in jobs this server's worker held
// when it last stopped: their work died with the process, and they run
// again from the start, with new nonces and credentials. Run it before the
// worker starts. Jobs of other servers are left to their leases.
func (e *Engine) RequeueOwn(ctx context.Context) (int, error) {
	n := 0
	err := e.inTx(ctx, func(tx store.Tx, fx *effects) error {
		n = 0
		jobs, err := tx.JobsLeasedBy(ctx, e.Instance, requeueBatch)
		if err != nil {
			return err
		}
		due := dueWork{}
		for _, j := range jobs {
			w := due.of(j.Scope, j.Pipeline)
			w.leases = append(w.leases, j.ID)
		}
		now := e.now()
		for _, ref := range due.order() {
			done, err := e.lockAndRequeue(ctx, tx, fx, ref, due[ref].leases, func(j *core.Job) bool {
				return j.LeaseOwner == e.Instance
			}, now)
			if err != nil {
				return err
			}
			n += done
		}
		return nil
	})
	return n, err
}

// lockAndRequeue locks a pipeline and queues again those of its jobs that,
// read under the lock, are still handed out and still pass keep.
func (e *Engine) lockAndRequeue(ctx context.Context, tx store.Tx, fx *effects, ref core.PipelineRef, ids []string,
	keep func(*core.Job) bool, now time.Time) (int, error) {
	if err := tx.PipelineLock(ctx, ref.Scope, ref.Name); errors.Is(err, store.ErrNotFound) {
		return 0, nil // deleted, with its jobs
	} else if err != nil {
		return 0, err
	}
	return e.requeueIf(ctx, tx, fx, ref.Scope, ids, keep, now)
}

// requeueIf reads each job again (the caller holds its pipeline's lock)
// and queues it again when it is still handed out and passes keep.
func (e *Engine) requeueIf(ctx context.Context, tx store.Tx, fx *effects, sc core.Scope, ids []string,
	keep func(*core.Job) bool, now time.Time) (int, error) {
	n := 0
	for _, id := range ids {
		j, err := tx.JobGet(ctx, sc, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return n, err
		}
		if !jobOut(j.Status) || !keep(j) {
			continue // finished, queued again or renewed since it was listed
		}
		if err := e.requeue(ctx, tx, fx, j, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// leaseEnded tells whether a job's lease ran out by now.
func leaseEnded(now time.Time) func(*core.Job) bool {
	return func(j *core.Job) bool { return j.LeaseOwner != "" && past(j.LeaseExpires, now) }
}
