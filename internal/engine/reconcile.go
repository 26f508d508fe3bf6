package engine

import (
	"context"
	"errors"
	"fmt"

	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// reconcile moves the active executions of one pipeline as far as they can
// go, inside tx. It locks the pipeline first, so two engines sharing a
// database plan one pipeline one at a time. focus names the execution
// whose change prompted the call ("" for all of them): other PARALLEL
// executions are then left out, since nothing one of them does can move
// another (E-4.7).
func (e *Engine) reconcile(ctx context.Context, tx store.Tx, fx *effects, sc core.Scope, name, focus string) error {
	if err := tx.PipelineLock(ctx, sc, name); errors.Is(err, store.ErrNotFound) {
		return nil // deleted: nothing left to run
	} else if err != nil {
		return err
	}
	flows, err := e.load(ctx, tx, sc, name, focus)
	if err != nil || len(flows) == 0 {
		return err
	}
	trans, err := tx.TransitionList(ctx, sc, name)
	if err != nil {
		return err
	}
	p := newPlan(e.now(), e.NewID, e.Timeouts, disabledFunc(trans), flows)
	p.run()
	if err := e.apply(ctx, tx, fx, p, flows); err != nil {
		return err
	}
	started := false
	for _, f := range p.rollbacks {
		ok, err := e.startAutoRollback(ctx, tx, f)
		if err != nil {
			return err
		}
		started = started || ok
	}
	if started { // the rollback waits at its stage: plan once more to let it in
		return e.reconcile(ctx, tx, fx, sc, name, "")
	}
	return nil
}

// load reads the flows of a pipeline's active executions.
func (e *Engine) load(ctx context.Context, tx store.Tx, sc core.Scope, name, focus string) ([]*flow, error) {
	active, err := activeFor(ctx, tx, sc, name, focus)
	if err != nil {
		return nil, err
	}
	decls := map[int]*wire.PipelineDeclaration{}
	var flows []*flow
	for _, ex := range active {
		if focus != "" && ex.ID != focus && ex.Mode == string(wire.ExecutionModePARALLEL) {
			continue
		}
		d, ok := decls[ex.PipelineVersion]
		if !ok {
			if _, d, err = pipeline(ctx, tx, sc, name, ex.PipelineVersion); err != nil {
				return nil, err
			}
			decls[ex.PipelineVersion] = d
		}
		f, err := loadFlow(ctx, tx, ex, d)
		if err != nil {
			return nil, err
		}
		flows = append(flows, f)
	}
	return flows, nil
}

// activeFor reads the active executions reconcile must plan. An active
// PARALLEL focus is read alone: it neither takes nor respects stage locks
// (E-4.7), so planning it needs no other execution and moves no other.
// Decoding every active execution (up to 50 in a PARALLEL pipeline) on
// each job result was a tenth of the engine's time in a busy pipeline.
func activeFor(ctx context.Context, tx store.Tx, sc core.Scope, name, focus string) ([]*core.Execution, error) {
	if focus != "" {
		ex, err := tx.ExecutionGet(ctx, sc, name, focus)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil && ex.Mode == string(wire.ExecutionModePARALLEL) && ex.Active() {
			return []*core.Execution{ex}, nil
		}
	}
	return tx.ExecutionActive(ctx, sc, name)
}

func loadFlow(ctx context.Context, r store.Reader, ex *core.Execution, d *wire.PipelineDeclaration) (*flow, error) {
	f := &flow{exec: ex, decl: d}
	if ex.Stage > len(d.Stages) {
		return nil, fmt.Errorf("execution %s is past the last stage of version %d", ex.ID, ex.PipelineVersion)
	}
	var err error
	if f.runs, err = r.ActionRunsOf(ctx, ex.Scope, ex.Pipeline, ex.ID); err != nil {
		return nil, err
	}
	if ex.Phase == core.PhaseRunning {
		if f.stage, err = r.StageRunGet(ctx, ex.Scope, ex.Pipeline, ex.ID, wire.Value(d.Stages[ex.Stage].Name)); err != nil {
			return nil, fmt.Errorf("stage run of %s: %w", ex.ID, err)
		}
	}
	if ex.RollbackTarget != "" {
		if f.inherited, err = r.ActionRunsOf(ctx, ex.Scope, ex.Pipeline, ex.RollbackTarget); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// disabledFunc answers whether a transition is disabled.
func disabledFunc(trans []*core.Transition) func(stage, kind string) bool {
	off := map[[2]string]bool{}
	for _, t := range trans {
		if !t.Enabled {
			off[[2]string{t.Stage, t.Kind}] = true
		}
	}
	return func(stage, kind string) bool { return off[[2]string{stage, kind}] }
}

// apply writes what the plan changed and queues the jobs it started.
func (e *Engine) apply(ctx context.Context, tx store.Tx, fx *effects, p *plan, flows []*flow) error {
	for _, x := range p.execs {
		if err := tx.ExecutionUpdate(ctx, x); err != nil {
			return fmt.Errorf("update execution %s: %w", x.ID, err)
		}
	}
	for _, s := range p.stages {
		if err := tx.StageRunPut(ctx, s); err != nil {
			return fmt.Errorf("put stage run: %w", err)
		}
	}
	for _, r := range p.runs {
		if err := tx.ActionRunPut(ctx, r); err != nil {
			return fmt.Errorf("put action run: %w", err)
		}
		if r.Status == core.StatusAbandoned {
			if err := closeJobs(ctx, tx, r, core.JobFailed, p.now); err != nil {
				return err
			}
		}
	}
	byID := map[string]*flow{}
	for _, f := range flows {
		byID[f.exec.ID] = f
	}
	for _, r := range p.started {
		if err := e.createJob(ctx, tx, fx, byID[r.ExecutionID], r); err != nil {
			return err
		}
	}
	for _, r := range p.runs {
		if r.Status == core.StatusInProgress {
			fx.due(r.Deadline)
		}
	}
	return nil
}

// closeJobs ends the unfinished jobs of a run that no longer waits on them.
func closeJobs(ctx context.Context, tx store.Tx, r *core.ActionRun, status string, now time.Time) error {
	jobs, err := tx.JobsOf(ctx, r.Scope, r.ID)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if jobDone(j.Status) {
			continue
		}
		j.Status, j.Updated = status, now
		if err := tx.JobPut(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

func jobDone(status string) bool {
	return status == core.JobSucceeded || status == core.JobFailed || status == core.JobTimedOut
}
