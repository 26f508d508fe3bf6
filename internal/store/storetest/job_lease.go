package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// exerciseJobLease covers the leases of jobs held by a server's embedded
// worker: they round-trip, the sweeper finds the handed-out jobs whose
// lease ended, a starting server finds its own, and NextDeadline counts
// lease ends among the deadlines.
func exerciseJobLease(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	leased := func(j *core.Job, status, owner string, ends time.Duration) *core.Job {
		j.Status, j.LeaseOwner, j.LeaseExpires = status, owner, t0.Add(ends)
		return j
	}
	jobs := []*core.Job{
		leased(job(scopeA, "a-ends-second", typeS3, "", 0), core.JobInProgress, "one", 2*time.Minute),
		leased(job(scopeB, "b-ends-first", typeBuild, "", 1), core.JobDispatched, "two", time.Minute),
		leased(job(scopeC, "c-ends-late", typeS3, "", 2), core.JobInProgress, "one", time.Hour),
		leased(job(scopeA, "d-done", typeS3, "", 3), core.JobSucceeded, "one", 0),
		leased(job(scopeA, "e-queued", typeS3, "", 4), core.JobQueued, "one", 0),
		job(scopeA, "f-remote", typeBuild, "", 5), // handed out without a lease
	}
	jobs[5].Status, jobs[5].Deadline = core.JobDispatched, t0.Add(3*time.Hour)
	mustTx(t, s, func(tx store.Tx) error {
		var errs []error
		for _, j := range jobs {
			errs = append(errs, tx.JobPut(ctx, j))
		}
		return errors.Join(errs...)
	})
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.JobGet(ctx, scopeA, "a-ends-second")
		if err != nil {
			return err
		}
		none, err := r.JobGet(ctx, scopeA, "f-remote")
		if err != nil {
			return err
		}
		at, ok, err := r.NextDeadline(ctx)
		return errors.Join(err, want("leased job", got, jobs[0]), want("job without a lease", none, jobs[5]),
			want("next deadline is the first lease end", at.Equal(t0.Add(time.Minute)) && ok, true))
	})
	mustTx(t, s, func(tx store.Tx) error {
		expired := func(now time.Duration, limit int) string {
			js, err := tx.JobsLeaseExpired(ctx, t0.Add(now), limit)
			if err != nil {
				return err.Error()
			}
			return keys(js, jobID)
		}
		owned := func(owner string, limit int) string {
			js, err := tx.JobsLeasedBy(ctx, owner, limit)
			if err != nil {
				return err.Error()
			}
			return keys(js, jobID)
		}
		return errors.Join(
			want("expired at the first end", expired(time.Minute, 10), ""),
			want("expired after two ends", expired(3*time.Minute, 10), "b-ends-first,a-ends-second"),
			want("expired, limited", expired(2*time.Hour, 1), "b-ends-first"),
			want("expired at the end", expired(4*time.Hour, 10), "b-ends-first,a-ends-second,c-ends-late"),
			want("leased by one", owned("one", 10), "a-ends-second,c-ends-late"),
			want("leased by one, limited", owned("one", 1), "a-ends-second"),
			want("leased by nobody known", owned("three", 10), ""),
		)
	})
	// A renewal moves the lease end; a job queued again drops its lease.
	jobs[1].LeaseExpires = t0.Add(3 * time.Hour)
	jobs[0].Status, jobs[0].LeaseOwner, jobs[0].LeaseExpires = core.JobQueued, "", time.Time{}
	mustTx(t, s, func(tx store.Tx) error { return errors.Join(tx.JobPut(ctx, jobs[0]), tx.JobPut(ctx, jobs[1])) })
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.JobGet(ctx, scopeA, "a-ends-second")
		if err != nil {
			return err
		}
		at, ok, err := r.NextDeadline(ctx)
		return errors.Join(err, want("queued again", got, jobs[0]),
			want("next deadline after the renewal", at.Equal(t0.Add(time.Hour)) && ok, true))
	})
	mustTx(t, s, func(tx store.Tx) error {
		js, err := tx.JobsLeaseExpired(ctx, t0.Add(2*time.Hour), 10)
		return errors.Join(err, want("expired after the renewal", keys(js, jobID), "c-ends-late"))
	})
}
