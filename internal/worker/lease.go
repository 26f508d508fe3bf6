package worker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// keepLease renews the lease of a job while it runs, when the worker's
// claims are leases (Leaser). A lost lease cancels the job's work with
// ErrLeaseLost as the cause; another error is logged and the next renewal
// tries again. The returned func stops renewing and waits for the renewer.
func (w *Worker) keepLease(ctx context.Context, j Job, cancel context.CancelCauseFunc, log *slog.Logger) func() {
	l, ok := w.Jobs.(Leaser)
	if !ok || l.RenewEvery() <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(l.RenewEvery())
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := l.Renew(ctx, j)
			if errors.Is(err, ErrLeaseLost) {
				cancel(ErrLeaseLost)
				return
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("renew job lease", "err", err)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
