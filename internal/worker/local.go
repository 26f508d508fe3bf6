package worker

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/engine"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Local claims built-in jobs of every account and region from the engine
// of this process, and reports through the engine's job operations.
type Local struct {
	Engine *engine.Engine
}

var (
	_ Jobs   = Local{}
	_ Leaser = Local{}
)

// Claim implements Jobs.
func (l Local) Claim(ctx context.Context, max int, wait time.Duration) ([]Job, error) {
	as, err := l.Engine.ClaimBuiltin(ctx, max, wait)
	if err != nil {
		return nil, err
	}
	out := make([]Job, len(as))
	for i, a := range as {
		out[i] = Job{Scope: a.Scope, ID: a.ID, Nonce: a.Nonce, Data: a.Data}
	}
	return out, nil
}

// Acknowledge implements Jobs.
func (l Local) Acknowledge(ctx context.Context, j Job) error {
	_, err := l.Engine.AcknowledgeJob(l.as(ctx, j), &wire.AcknowledgeJobInput{JobId: &j.ID, Nonce: &j.Nonce})
	return err
}

// Succeed implements Jobs.
func (l Local) Succeed(ctx context.Context, j Job, r *wire.PutJobSuccessResultInput) error {
	r.JobId = &j.ID
	_, err := l.Engine.PutJobSuccessResult(l.as(ctx, j), r)
	return err
}

// Fail implements Jobs.
func (l Local) Fail(ctx context.Context, j Job, f *wire.FailureDetails) error {
	_, err := l.Engine.PutJobFailureResult(l.as(ctx, j), &wire.PutJobFailureResultInput{JobId: &j.ID, FailureDetails: f})
	return err
}

// RenewEvery implements Leaser: three renewals per lease, so one that is
// late or fails does not lose the job.
func (l Local) RenewEvery() time.Duration { return l.Engine.Timeouts.Lease / 3 }

// Renew implements Leaser.
func (l Local) Renew(ctx context.Context, j Job) error {
	err := l.Engine.RenewLease(ctx, j.Scope, j.ID, j.Nonce)
	if errors.Is(err, engine.ErrLeaseLost) {
		return ErrLeaseLost
	}
	return err
}

// as is ctx acting in the job's scope, as the job's own account would.
func (l Local) as(ctx context.Context, j Job) context.Context {
	ctx = core.WithScope(ctx, j.Scope)
	return core.WithCaller(ctx, core.Caller{Account: j.Scope.Account, AccessKeyID: "sluice-worker"})
}
