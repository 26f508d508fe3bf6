package engine

import (
	"context"
	"strings"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// GetPipelineState shows each stage of the latest version: its transition,
// the latest execution that entered it, the executions waiting to, and the
// latest run of each action (E-6.4). PARALLEL pipelines have no pipeline
// state (E-4.8): only the stages, transitions and actions are shown.
func (e *Engine) GetPipelineState(ctx context.Context, in *wire.GetPipelineStateInput) (*wire.GetPipelineStateOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	name := wire.Value(in.Name)
	p, d, err := pipeline(ctx, e.Store, sc, name, 0)
	if err != nil {
		return nil, err
	}
	v, err := e.readState(ctx, sc, name, d.ExecutionMode == wire.ExecutionModePARALLEL)
	if err != nil {
		return nil, core.Wrap(err, "get pipeline state")
	}
	out := &wire.GetPipelineStateOutput{
		PipelineName: wire.Ptr(name), PipelineVersion: wire.Ptr(int32(p.Version)),
		StageStates: []wire.StageState{}, Created: wire.NewTime(p.Created), Updated: wire.NewTime(p.Updated),
	}
	for i, st := range d.Stages {
		ss, err := e.stageState(ctx, sc, d, i, st, v)
		if err != nil {
			return nil, err
		}
		out.StageStates = append(out.StageStates, ss)
	}
	return out, nil
}

// stateView is what GetPipelineState reads, each in one query.
type stateView struct {
	transitions map[string]*core.Transition
	stages      map[string]*core.StageRun
	actions     map[[2]string]*core.ActionRun
	waiting     []*core.Execution
}

func (e *Engine) readState(ctx context.Context, sc core.Scope, name string, parallel bool) (*stateView, error) {
	v := &stateView{transitions: map[string]*core.Transition{}, stages: map[string]*core.StageRun{}, actions: map[[2]string]*core.ActionRun{}}
	trans, err := e.Store.TransitionList(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	for _, t := range trans {
		if t.Kind == inbound {
			v.transitions[t.Stage] = t
		}
	}
	if parallel {
		return v, nil
	}
	stages, err := e.Store.StageRunsLatest(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	for _, s := range stages {
		v.stages[s.Stage] = s
	}
	runs, err := e.Store.ActionRunsLatest(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		v.actions[[2]string{r.Stage, r.Action}] = r
	}
	active, err := e.Store.ExecutionActive(ctx, sc, name)
	if err != nil {
		return nil, err
	}
	for _, ex := range active {
		if ex.Phase == core.PhaseWaiting {
			v.waiting = append(v.waiting, ex)
		}
	}
	return v, nil
}

func (e *Engine) stageState(ctx context.Context, sc core.Scope, d *wire.PipelineDeclaration, i int, st wire.StageDeclaration, v *stateView) (wire.StageState, error) {
	name := wire.Value(st.Name)
	ss := wire.StageState{StageName: wire.Ptr(name), ActionStates: []wire.ActionState{}, InboundTransitionState: transitionState(v.transitions[name])}
	if run := v.stages[name]; run != nil {
		ss.LatestExecution = &wire.StageExecution{
			PipelineExecutionId: wire.Ptr(run.ExecutionID), Status: wire.StageExecutionStatus(run.Status), Type: wire.ExecutionType(run.Type),
		}
		if run.AutoRetries+run.ManualRetries > 0 {
			ss.RetryStageMetadata = &wire.RetryStageMetadata{
				AutoStageRetryAttempt:   wire.Ptr(int32(run.AutoRetries)),
				ManualStageRetryAttempt: wire.Ptr(int32(run.ManualRetries)),
				LatestRetryTrigger:      wire.RetryTrigger(run.LatestRetryTrigger),
			}
		}
	}
	for _, ex := range v.waiting {
		if ex.Stage == i {
			se := wire.StageExecution{PipelineExecutionId: wire.Ptr(ex.ID), Status: wire.StageExecutionStatus(ex.Status), Type: wire.ExecutionType(ex.Type)}
			ss.InboundExecutions = append(ss.InboundExecutions, se)
		}
	}
	if n := len(ss.InboundExecutions); n > 0 {
		ss.InboundExecution = &ss.InboundExecutions[n-1] // the newest waiter
	}
	for _, a := range st.Actions {
		as, err := e.actionState(ctx, sc, a, v.actions[[2]string{name, wire.Value(a.Name)}])
		if err != nil {
			return ss, err
		}
		ss.ActionStates = append(ss.ActionStates, as)
	}
	return ss, nil
}

func transitionState(t *core.Transition) *wire.TransitionState {
	if t == nil {
		return &wire.TransitionState{Enabled: wire.Ptr(true)}
	}
	ts := &wire.TransitionState{Enabled: wire.Ptr(t.Enabled), LastChangedBy: wire.Ptr(t.By), LastChangedAt: wire.NewTime(t.At)}
	if !t.Enabled {
		ts.DisabledReason = wire.Ptr(t.Reason)
	}
	return ts
}

// actionState shows an action's latest run with its type's URLs.
func (e *Engine) actionState(ctx context.Context, sc core.Scope, a wire.ActionDeclaration, r *core.ActionRun) (wire.ActionState, error) {
	as := wire.ActionState{ActionName: a.Name}
	def, _, err := e.Types.ActionTypeDefinition(ctx, e.Store, sc, typeID(a.ActionTypeId))
	if err != nil {
		return as, err
	}
	if def != nil && def.Settings != nil && def.Settings.EntityUrlTemplate != nil {
		as.EntityUrl = wire.Ptr(expandURL(*def.Settings.EntityUrlTemplate, a.Configuration, ""))
	}
	if isApproval(typeID(a.ActionTypeId)) && a.Configuration["ExternalEntityLink"] != "" {
		as.EntityUrl = wire.Ptr(a.Configuration["ExternalEntityLink"])
	}
	if r == nil {
		return as, nil
	}
	as.LatestExecution = actionExecution(r)
	if rev := r.Revision; rev != nil {
		as.CurrentRevision = &wire.ActionRevision{
			RevisionId: wire.Ptr(rev.RevisionID), RevisionChangeId: optional(rev.ChangeIdentifier), Created: timeOrNil(rev.Created),
		}
		if def != nil && def.Settings != nil && def.Settings.RevisionUrlTemplate != nil {
			tmpl := strings.ReplaceAll(*def.Settings.RevisionUrlTemplate, "{RevisionId}", rev.RevisionID)
			as.RevisionUrl = wire.Ptr(expandURL(tmpl, r.Resolved, r.ExternalID))
		}
	}
	return as, nil
}

// actionExecution is a run as GetPipelineState shows it.
func actionExecution(r *core.ActionRun) *wire.ActionExecution {
	ae := &wire.ActionExecution{
		ActionExecutionId: wire.Ptr(r.ID), Status: wire.ActionExecutionStatus(r.Status),
		Summary: optional(r.Summary), LastStatusChange: wire.NewTime(r.Updated),
		Token: optional(r.Token), LastUpdatedBy: optional(r.UpdatedBy),
		ExternalExecutionId: optional(r.ExternalID), ExternalExecutionUrl: optional(r.ExternalURL),
	}
	if r.Status != core.StatusInProgress {
		ae.Token = nil // an answered or expired approval has no token to use
	}
	if r.Percent != nil {
		ae.PercentComplete = wire.Ptr(int32(*r.Percent))
	}
	if r.ErrorCode != "" || r.Status == core.StatusFailed {
		ae.ErrorDetails = &wire.ErrorDetails{Code: optional(r.ErrorCode), Message: optional(r.ErrorMessage)}
	}
	return ae
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timeOrNil(t time.Time) *wire.Time {
	if t.IsZero() {
		return nil
	}
	return wire.NewTime(t)
}
