package engine

import (
	"context"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// rollsBack tells whether a flow that just failed its stage rolls the
// stage back automatically: a V2 stage with onFailure ROLLBACK and
// no conditions (Sluice does not evaluate rules yet), not the source stage,
// not in PARALLEL mode (E-4.9), and not itself a rollback.
func rollsBack(f *flow) bool {
	st := f.decl.Stages[f.exec.Stage]
	return st.OnFailure != nil && st.OnFailure.Result == wire.ResultROLLBACK && len(st.OnFailure.Conditions) == 0 &&
		f.exec.Stage > 0 && f.exec.Mode != string(wire.ExecutionModePARALLEL) &&
		f.exec.Type != string(wire.ExecutionTypeROLLBACK) && f.decl.PipelineType == wire.PipelineTypeV2
}

// rollbackTargetScan bounds how far back the target search reads.
const rollbackTargetScan = 50

// startAutoRollback starts the rollback of a failed flow's stage to the
// most recent execution of the same version that succeeded in it; with no
// such execution there is no rollback. It reports whether it
// started one.
func (e *Engine) startAutoRollback(ctx context.Context, tx store.Tx, f *flow) (bool, error) {
	stage := wire.Value(f.decl.Stages[f.exec.Stage].Name)
	cands, err := tx.ExecutionList(ctx, f.exec.Scope, f.exec.Pipeline, store.ExecutionFilter{SucceededIn: stage, Limit: rollbackTargetScan})
	if err != nil {
		return false, err
	}
	for _, t := range cands {
		if t.PipelineVersion != f.exec.PipelineVersion || t.Type == string(wire.ExecutionTypeROLLBACK) || t.ID == f.exec.ID {
			continue
		}
		p := &core.Pipeline{Scope: f.exec.Scope, Name: f.exec.Pipeline, Version: f.exec.PipelineVersion}
		ex := e.newExecution(p, f.decl, trigger{wire.TriggerTypeAutomatedRollback, f.exec.ID})
		ex.Type, ex.RollbackTarget, ex.OnlyStage, ex.Stage = string(wire.ExecutionTypeROLLBACK), t.ID, stage, f.exec.Stage
		ex.Variables, ex.Sources = t.Variables, t.Sources
		return true, tx.ExecutionCreate(ctx, ex)
	}
	return false, nil
}
