package engine

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// SourceChange starts an execution because change detection found
// revision at a source action of the pipeline's first stage (T-1). It
// starts nothing, and answers "", when the revision was already fetched
// by an execution, or when an execution is still fetching its sources (it
// will fetch this revision or one newer, and record it). kind is the
// trigger to record and detail names what detected the change.
func (e *Engine) SourceChange(ctx context.Context, sc core.Scope, pipelineName, action, revision string,
	kind wire.TriggerType, detail string) (string, error) {
	var id string
	err := e.inTx(ctx, func(tx store.Tx, fx *effects) error {
		if err := tx.PipelineLock(ctx, sc, pipelineName); err != nil {
			return err
		}
		p, d, err := pipeline(ctx, tx, sc, pipelineName, 0)
		if err != nil || len(d.Stages) == 0 {
			return err
		}
		stage := wire.Value(d.Stages[0].Name)
		if _, err := findAction(d, 0, action); err != nil {
			return nil // the pipeline changed since the change was seen
		}
		_, err = tx.RevisionGet(ctx, sc, pipelineName, stage, action, revision)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return err
		}
		fetching, err := fetchingSources(ctx, tx, sc, pipelineName)
		if err != nil || fetching {
			return err
		}
		ex := e.newExecution(p, d, trigger{kind, detail})
		id = ex.ID
		return e.launch(ctx, tx, fx, ex)
	})
	return id, err
}

// fetchingSources reports whether an active execution has not finished its
// first stage yet.
func fetchingSources(ctx context.Context, r store.Reader, sc core.Scope, pipeline string) (bool, error) {
	active, err := r.ExecutionActive(ctx, sc, pipeline)
	if err != nil {
		return false, err
	}
	for _, ex := range active {
		if ex.Stage == 0 {
			return true, nil
		}
	}
	return false, nil
}

// recordSeen remembers the revision a source action fetched, so change
// detection does not start another execution for it.
func recordSeen(ctx context.Context, tx store.Tx, r *core.ActionRun, now time.Time) error {
	err := tx.RevisionPut(ctx, &core.RevisionSeen{
		Scope: r.Scope, Pipeline: r.Pipeline, Stage: r.Stage, Action: r.Action,
		RevisionID: r.Revision.RevisionID, ExecutionID: r.ExecutionID, Created: now,
	})
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}
