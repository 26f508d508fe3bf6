package engine

import (
	"context"
	"errors"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// ListDeployActionExecutionTargets lists the deployment targets of a
// deploy action execution. Targets are what ECS and CodeDeploy deployments
// report; no action Sluice runs deploys to such targets, so a known action
// execution has none, and no page follows the first.
func (e *Engine) ListDeployActionExecutionTargets(ctx context.Context, in *wire.ListDeployActionExecutionTargetsInput) (*wire.ListDeployActionExecutionTargetsOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	name := wire.Value(in.PipelineName)
	if name != "" {
		if _, _, err := pipeline(ctx, e.Store, sc, name, 0); err != nil {
			return nil, err
		}
	}
	id := wire.Value(in.ActionExecutionId)
	r, err := e.Store.ActionRunGet(ctx, sc, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && name != "" && r.Pipeline != name {
		return nil, core.Errorf(core.ActionExecutionNotFound, "Action execution '%s' does not exist", id)
	}
	if err != nil {
		return nil, core.Wrap(err, "list deploy action execution targets")
	}
	if in.NextToken != nil {
		return nil, page.Invalid()
	}
	return &wire.ListDeployActionExecutionTargetsOutput{Targets: []wire.DeployActionExecutionTarget{}}, nil
}
