package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/store/sqlite"
)

// BenchmarkHistory shows the reads of the pipeline page staying flat as
// history grows: the same queries over 100 and 100,000 executions.
func BenchmarkHistory(b *testing.B) {
	scope := core.Scope{Account: "111111111111", Region: "us-east-1"}
	for _, n := range []int{100, 100_000} {
		if n > 1000 && testing.Short() {
			continue
		}
		s := filledStore(b, scope, n)
		ctx := context.Background()
		b.Run(fmt.Sprintf("Latest/%d", n), func(b *testing.B) {
			for b.Loop() {
				stages, err := s.StageRunsLatest(ctx, scope, "p")
				if err != nil || len(stages) != 2 {
					b.Fatalf("stage runs = %d, %v", len(stages), err)
				}
				actions, err := s.ActionRunsLatest(ctx, scope, "p")
				if err != nil || len(actions) != 2 {
					b.Fatalf("action runs = %d, %v", len(actions), err)
				}
			}
		})
		b.Run(fmt.Sprintf("ExecutionList/%d", n), func(b *testing.B) {
			for b.Loop() {
				es, err := s.ExecutionList(ctx, scope, "p", store.ExecutionFilter{Limit: 100})
				if err != nil || len(es) != 100 {
					b.Fatalf("executions = %d, %v", len(es), err)
				}
			}
		})
	}
}

// filledStore stores n executions of one pipeline, each with two stage
// runs and two action runs, in transactions of a few thousand.
func filledStore(b *testing.B, scope core.Scope, n int) *sqlite.Store {
	b.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "sluice.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	t0 := time.UnixMilli(1_700_000_000_000).UTC()
	const batch = 5000
	for start := 0; start < n; start += batch {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				if err := putExecution(ctx, tx, scope, i, t0.Add(time.Duration(i)*time.Second)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func putExecution(ctx context.Context, tx store.Tx, scope core.Scope, i int, at time.Time) error {
	e := &core.Execution{Scope: scope, Pipeline: "p", ID: fmt.Sprintf("e%06d", i), PipelineVersion: 1,
		Status: core.StatusSucceeded, Mode: "QUEUED", Type: "STANDARD", Phase: core.PhaseDone,
		Created: at, Updated: at}
	if err := tx.ExecutionCreate(ctx, e); err != nil {
		return err
	}
	for j, stage := range []string{"Source", "Build"} {
		err := tx.StageRunPut(ctx, &core.StageRun{Scope: scope, Pipeline: "p", ExecutionID: e.ID, Stage: stage,
			Status: core.StatusSucceeded, Type: "STANDARD", Epoch: 1, PipelineVersion: 1, Updated: at})
		if err != nil {
			return err
		}
		err = tx.ActionRunPut(ctx, &core.ActionRun{Scope: scope, Pipeline: "p", ExecutionID: e.ID,
			ID: fmt.Sprintf("%s-a%d", e.ID, j), Stage: stage, Action: stage + "Action", Epoch: 1, RunOrder: 1,
			PipelineVersion: 1, Status: core.StatusSucceeded, Started: at, Updated: at,
			Type: core.ActionTypeID{Category: stage, Owner: "AWS", Provider: "Shell", Version: "1"}})
		if err != nil {
			return err
		}
	}
	return nil
}
