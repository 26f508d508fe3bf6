package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// builtinQueue is the queue the embedded worker watches: the jobs of every
// AWS-owned action type, whatever their scope.
var builtinQueue = queueKey{typ: core.ActionTypeID{Owner: string(wire.ActionOwnerAWS)}}

// Assignment is a built-in job handed to the embedded worker, with the
// scope it belongs to (the worker serves every account and region).
type Assignment struct {
	Scope core.Scope
	ID    string
	Nonce string
	Data  *wire.JobData
}

// ClaimBuiltin hands out up to limit queued jobs of AWS-owned action types
// in any scope, waiting up to wait for one to be queued. The embedded
// worker then works them through the same job operations a remote worker
// uses, with the assignment's scope in its context. The jobs are leased to
// this server, and the worker must renew the leases while it runs them
// (RenewLease).
func (e *Engine) ClaimBuiltin(ctx context.Context, limit int, wait time.Duration) ([]Assignment, error) {
	jobs, err := e.claimWaiting(ctx, builtinQueue, wait, func(tx store.Tx, now time.Time) ([]*core.Job, error) {
		jobs, err := tx.JobClaimOwned(ctx, string(wire.ActionOwnerAWS), limit, now, now.Add(e.Timeouts.Ack), e.NewID)
		e.lease(jobs, now)
		return jobs, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Assignment, 0, len(jobs))
	for _, j := range jobs {
		var data wire.JobData
		if err := json.Unmarshal(j.Data, &data); err != nil {
			return nil, fmt.Errorf("job %s data: %w", j.ID, err)
		}
		out = append(out, Assignment{Scope: j.Scope, ID: j.ID, Nonce: j.Nonce, Data: &data})
	}
	return out, nil
}

// pollOwner is the owner PollForJobs serves for a type: custom types, and
// (a Sluice extension, so that `sluice worker` can run built-in actions on
// other machines) AWS-owned types that are worked through jobs.
func pollOwner(id *wire.ActionTypeId) wire.ActionOwner {
	if id.Owner == wire.ActionOwnerAWS && id.Category != wire.ActionCategoryApproval {
		return wire.ActionOwnerAWS
	}
	return wire.ActionOwnerCustom
}
