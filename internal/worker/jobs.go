package worker

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Job is one job handed to the worker.
type Job struct {
	Scope core.Scope
	ID    string
	Nonce string
	Data  *wire.JobData
}

// Jobs is the job protocol as a worker sees it.
type Jobs interface {
	// Claim hands out up to max jobs the worker can run, waiting up to
	// wait for one to be queued.
	Claim(ctx context.Context, max int, wait time.Duration) ([]Job, error)
	Acknowledge(ctx context.Context, j Job) error
	Succeed(ctx context.Context, j Job, r *wire.PutJobSuccessResultInput) error
	Fail(ctx context.Context, j Job, f *wire.FailureDetails) error
}

// Leaser is a Jobs whose claims are leases: the worker renews the lease
// of each job it runs every RenewEvery, and stops working a job whose
// lease was lost (Renew answers ErrLeaseLost): it went to another worker.
// The embedded worker's claims are leases, so that a server that died
// leaves its jobs to the servers sharing its database.
type Leaser interface {
	RenewEvery() time.Duration
	Renew(ctx context.Context, j Job) error
}

// ErrLeaseLost: the job is no longer this worker's to run.
var ErrLeaseLost = errors.New("the job's lease is lost")

// kind names what runs a job: "<category>/<provider>" for built-in types,
// "<owner>/<category>/<provider>/<version>" for custom ones.
func kind(id *wire.ActionTypeId) string {
	if id == nil {
		return ""
	}
	if id.Owner == wire.ActionOwnerAWS {
		return string(id.Category) + "/" + wire.Value(id.Provider)
	}
	return string(id.Owner) + "/" + string(id.Category) + "/" + wire.Value(id.Provider) + "/" + wire.Value(id.Version)
}
