package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Provider runs one kind of action. It returns the success result to
// report, or an error; a *Failure error is reported with its type and
// message, any other error as a JobFailed failure. A provider whose
// action reports by itself (Lambda invoke) returns ErrReported.
type Provider interface {
	Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error)
}

// ErrReported means the action reported its result itself.
var ErrReported = errors.New("the action reports its own result")

// Failure is an action failure with its CodePipeline failure type.
type Failure struct {
	Type       wire.FailureType
	Message    string
	ExternalID string
}

func (f *Failure) Error() string { return f.Message }

// failf is a JobFailed failure.
func failf(format string, args ...any) error {
	return &Failure{Type: wire.FailureTypeJobFailed, Message: fmt.Sprintf(format, args...)}
}

// configError is a ConfigurationError failure.
func configError(format string, args ...any) error {
	return &Failure{Type: wire.FailureTypeConfigurationError, Message: fmt.Sprintf(format, args...)}
}

// Worker claims jobs and runs them with its providers.
type Worker struct {
	Jobs      Jobs
	Artifacts artifact.Store
	Config    *Config
	// Providers by kind (see kind); Default adds the built-in ones.
	Providers map[string]Provider
	// Concurrency is how many jobs run at once; 0 means 4.
	Concurrency int
	// WorkDir holds each job's workspace; "" means the system temp dir.
	WorkDir string
	// PublicURL is the server's URL, for links and for Lambda callbacks.
	PublicURL string
	// JobStore, when set, opens a store with a job's own artifact
	// credentials, for what only the job may write (its build log): remote
	// workers set it, since their own keys do not open the server's log bucket.
	JobStore func(ctx context.Context, j Job) (artifact.Store, error)
	// OpenServer says the server verifies no signatures, so processes that
	// call it back may sign with the job's account id as access key.
	OpenServer bool
	// Owners, when set, keeps S3 sources and deploys to the buckets of
	// their job's account and those nobody owns; nil checks nothing.
	Owners BucketOwners
	Log    *slog.Logger
}

func (w *Worker) config() *Config {
	if w.Config == nil {
		return &Config{}
	}
	return w.Config
}

// pollWait is how long one claim waits for work before asking again.
const pollWait = 20 * time.Second

// Run works jobs until ctx is done, then waits for the jobs in flight.
func (w *Worker) Run(ctx context.Context) {
	n := w.Concurrency
	if n <= 0 {
		n = 4
	}
	slots := make(chan struct{}, n)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		slots <- struct{}{} // claim only what a free slot can run
		jobs, err := w.Jobs.Claim(ctx, 1, pollWait)
		if err != nil || len(jobs) == 0 {
			<-slots
			if err != nil && ctx.Err() == nil {
				w.Log.Error("claim jobs", "err", err)
				backOff(ctx)
			}
			continue
		}
		wg.Add(1)
		go func(j Job) {
			defer wg.Done()
			defer func() { <-slots }()
			w.work(ctx, j)
		}(jobs[0])
	}
}

// backOff pauses after a failed claim (a server that is down or
// restarting), so the worker does not spin on it.
func backOff(ctx context.Context) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// work runs one job and reports how it ended.
func (w *Worker) work(ctx context.Context, j Job) {
	log := w.Log.With("job", j.ID, "action", kind(j.Data.ActionTypeId))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer w.keepLease(ctx, j, cancel, log)()
	if err := w.Jobs.Acknowledge(ctx, j); err != nil {
		log.Warn("acknowledge job", "err", err) // handed out again meanwhile
		return
	}
	res, err := w.run(ctx, j)
	if errors.Is(context.Cause(ctx), ErrLeaseLost) {
		log.Warn("job stopped: its lease was lost, it went to another worker", "err", err)
		return
	}
	if ctx.Err() != nil {
		// Stopping: the job's work was cut short; the server queues it
		// again when it starts with the same data dir, or another server
		// once its lease runs out (engine.RequeueOwn, the sweeper).
		log.Info("job stopped with the worker", "err", err)
		return
	}
	switch {
	case errors.Is(err, ErrReported):
		return
	case err != nil:
		f := asFailure(err)
		if err := w.Jobs.Fail(ctx, j, f); err != nil {
			log.Error("report failure", "err", err)
		}
	default:
		if err := w.Jobs.Succeed(ctx, j, res); err != nil {
			log.Error("report success", "err", err)
		}
	}
}

func asFailure(err error) *wire.FailureDetails {
	var f *Failure
	if !errors.As(err, &f) {
		f = &Failure{Type: wire.FailureTypeJobFailed, Message: err.Error()}
	}
	d := &wire.FailureDetails{Type: f.Type, Message: wire.Ptr(truncate(f.Message, 5000))}
	if f.ExternalID != "" {
		d.ExternalExecutionId = wire.Ptr(f.ExternalID)
	}
	return d
}

// truncate keeps s within n bytes (the model's limit on messages).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// run finds the job's provider and runs it in a workspace of its own.
func (w *Worker) run(ctx context.Context, j Job) (*wire.PutJobSuccessResultInput, error) {
	p, ok := w.Providers[kind(j.Data.ActionTypeId)]
	if !ok {
		return nil, configError("Sluice has no local runner for action provider %s", kind(j.Data.ActionTypeId))
	}
	dir, err := os.MkdirTemp(w.WorkDir, "job-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	return p.Run(ctx, &Work{Job: j, Dir: dir, worker: w})
}
