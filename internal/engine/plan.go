package engine

import (
	"cmp"
	"slices"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// flow is one active execution as the planner sees it: the execution, the
// pipeline version it runs, its run of the stage it is in, and every action
// run it has (oldest first), which hold the variables and artifacts later
// actions read.
type flow struct {
	exec  *core.Execution
	decl  *wire.PipelineDeclaration
	stage *core.StageRun
	runs  []*core.ActionRun
	// inherited are the runs of a rollback's target execution: the
	// rolled-back stage reads its artifacts and variables from them.
	inherited []*core.ActionRun
}

// plan is the pure core of the engine. Given the active executions of one
// pipeline and its transitions, it moves every execution as far as it can
// go now: starting action groups, finishing stages, admitting waiting
// executions into free stages, superseding, stopping and cancelling. It
// reads no database and no clock; it records what changed so the caller
// can write exactly that in the same transaction. Running it again on its
// own result changes nothing.
type plan struct {
	now      time.Time
	newID    func() string
	limits   Timeouts
	disabled func(stage, kind string) bool // transition disabled
	flows    []*flow

	// What changed, in the order it changed.
	execs   []*core.Execution
	stages  []*core.StageRun
	runs    []*core.ActionRun
	started []*core.ActionRun // new runs that a job worker must work
	// rollbacks are failed flows whose stage rolls back automatically
	// finding the target needs the history, so the caller does it.
	rollbacks []*flow
	dirty     map[any]bool
}

// Transition kinds (TransitionType on the wire).
const (
	inbound  = "Inbound"
	outbound = "Outbound"
)

func newPlan(now time.Time, newID func() string, limits Timeouts, disabled func(stage, kind string) bool, flows []*flow) *plan {
	return &plan{now: now, newID: newID, limits: limits, disabled: disabled, flows: flows, dirty: map[any]bool{}}
}

// run moves everything until nothing more can move.
func (p *plan) run() {
	for changed := true; changed; {
		changed = false
		for _, f := range p.flows {
			if f.exec.Phase == core.PhaseRunning && p.advance(f) {
				changed = true
			}
		}
		if p.admit() {
			changed = true
		}
	}
}

func (p *plan) touchExec(e *core.Execution) {
	e.Updated = p.now
	if !p.dirty[e] {
		p.dirty[e] = true
		p.execs = append(p.execs, e)
	}
}

func (p *plan) touchStage(s *core.StageRun) {
	s.Updated = p.now
	if !p.dirty[s] {
		p.dirty[s] = true
		p.stages = append(p.stages, s)
	}
}

func (p *plan) touchRun(r *core.ActionRun) {
	r.Updated = p.now
	if !p.dirty[r] {
		p.dirty[r] = true
		p.runs = append(p.runs, r)
	}
}

// current returns the latest run of each action of the flow's stage in the
// stage's current epoch, by action name.
func current(f *flow) map[string]*core.ActionRun {
	out := map[string]*core.ActionRun{}
	if f.stage == nil {
		return out
	}
	for _, r := range f.runs {
		if r.Stage == f.stage.Stage && r.Epoch == f.stage.Epoch {
			out[r.Action] = r
		}
	}
	return out
}

// advance moves a running execution inside its stage (E-2.2, E-2.3, E-5).
func (p *plan) advance(f *flow) bool {
	e := f.exec
	cur := current(f)
	changed := p.abandon(f, cur)
	for _, r := range cur {
		if r.Status == core.StatusInProgress {
			return changed // the group finishes before anything else happens
		}
	}
	failed := failedRun(f, cur)
	switch {
	case e.Halt == core.HaltStop || e.Halt == core.HaltAbandon:
		// Runs the abandon ended are the stop's doing, not failures: only
		// an action that failed while stopping fails the stage (E-5.2).
		status := core.StatusStopped
		if anyFailed(cur) {
			status = core.StatusFailed
		}
		p.finish(f, status, core.StatusStopped, e.Summary)
	case e.Halt == core.HaltCancel:
		p.finish(f, core.StatusCancelled, core.StatusCancelled,
			"The pipeline was updated before this execution completed")
	case failed != nil:
		if p.autoRetry(f) {
			return true
		}
		p.finish(f, core.StatusFailed, core.StatusFailed, failureSummary(failed))
		if rollsBack(f) {
			p.rollbacks = append(p.rollbacks, f)
		}
	default:
		group := nextGroup(f.decl.Stages[e.Stage], cur)
		if group == nil {
			p.succeedStage(f)
			return true
		}
		for _, a := range group {
			if cur[wire.Value(a.Name)] == nil {
				p.start(f, a)
			}
		}
	}
	return true
}

// abandon ends in-progress runs that must not be waited for: all of them
// when stopping with abandon (E-5.2), approvals when the pipeline was
// updated, since an approval would otherwise hold the stage.
func (p *plan) abandon(f *flow, cur map[string]*core.ActionRun) bool {
	changed := false
	for _, r := range cur {
		if r.Status != core.StatusInProgress {
			continue
		}
		if f.exec.Halt == core.HaltAbandon || f.exec.Halt == core.HaltCancel && isApproval(r.Type) {
			r.Status = core.StatusAbandoned
			p.touchRun(r)
			changed = true
		}
	}
	return changed
}

func failedRun(f *flow, cur map[string]*core.ActionRun) *core.ActionRun {
	var failed *core.ActionRun
	for _, a := range f.decl.Stages[f.exec.Stage].Actions {
		r := cur[wire.Value(a.Name)]
		if r != nil && (r.Status == core.StatusFailed || r.Status == core.StatusAbandoned) && failed == nil {
			failed = r
		}
	}
	return failed
}

func anyFailed(cur map[string]*core.ActionRun) bool {
	for _, r := range cur {
		if r.Status == core.StatusFailed {
			return true
		}
	}
	return false
}

func failureSummary(r *core.ActionRun) string {
	if r.Status == core.StatusAbandoned {
		return "Action " + r.Action + " was abandoned"
	}
	msg := r.ErrorMessage
	if msg == "" {
		msg = r.Summary
	}
	if msg == "" {
		return "Action " + r.Action + " failed"
	}
	return msg
}

// nextGroup returns the actions of the lowest runOrder that has an action
// not yet succeeded, or nil when every action succeeded.
func nextGroup(st wire.StageDeclaration, cur map[string]*core.ActionRun) []wire.ActionDeclaration {
	order := int32(-1)
	for _, a := range st.Actions {
		r := cur[wire.Value(a.Name)]
		if r != nil && r.Status == core.StatusSucceeded {
			continue
		}
		if o := runOrder(a); order < 0 || o < order {
			order = o
		}
	}
	if order < 0 {
		return nil
	}
	var group []wire.ActionDeclaration
	for _, a := range st.Actions {
		if runOrder(a) == order {
			group = append(group, a)
		}
	}
	return group
}

func runOrder(a wire.ActionDeclaration) int32 {
	if a.RunOrder == nil {
		return 1
	}
	return *a.RunOrder
}

// finish ends the execution inside its stage.
func (p *plan) finish(f *flow, stageStatus, execStatus, summary string) {
	f.stage.Status = stageStatus
	p.touchStage(f.stage)
	p.end(f.exec, execStatus, summary)
}

func (p *plan) end(e *core.Execution, status, summary string) {
	e.Status, e.Summary, e.Phase = status, summary, core.PhaseDone
	p.touchExec(e)
}

// succeedStage moves the execution to the next boundary (E-2.4); a
// rollback runs its one stage only.
func (p *plan) succeedStage(f *flow) {
	f.stage.Status = core.StatusSucceeded
	p.touchStage(f.stage)
	e := f.exec
	if e.OnlyStage != "" {
		p.end(e, core.StatusSucceeded, "")
		return
	}
	e.Stage++
	e.Phase, e.Arrived = core.PhaseWaiting, p.now
	p.touchExec(e)
}

// autoRetry applies a stage's onFailure RETRY once.
func (p *plan) autoRetry(f *flow) bool {
	st := f.decl.Stages[f.exec.Stage]
	if st.OnFailure == nil || st.OnFailure.Result != wire.ResultRETRY || f.stage.AutoRetries > 0 {
		return false
	}
	mode := wire.StageRetryModeFAILED_ACTIONS
	if rc := st.OnFailure.RetryConfiguration; rc != nil && rc.RetryMode != "" {
		mode = rc.RetryMode
	}
	f.stage.AutoRetries++
	f.stage.LatestRetryTrigger = string(wire.RetryTriggerAutomatedStageRetry)
	p.retry(f, mode)
	return true
}

// retry opens a new epoch of the flow's stage: with
// FAILED_ACTIONS, the runs that succeeded or are still running carry over
// and only the failed ones run again; with ALL_ACTIONS nothing carries over.
func (p *plan) retry(f *flow, mode wire.StageRetryMode) {
	cur := current(f)
	f.stage.Epoch++
	f.stage.Status = core.StatusInProgress
	p.touchStage(f.stage)
	if mode == wire.StageRetryModeFAILED_ACTIONS {
		for _, r := range cur {
			if r.Status == core.StatusSucceeded || r.Status == core.StatusInProgress {
				r.Epoch = f.stage.Epoch
				p.touchRun(r)
			}
		}
	}
	e := f.exec
	e.Status, e.Summary, e.Phase, e.Halt, e.StopReason = core.StatusInProgress, "", core.PhaseRunning, "", ""
	p.touchExec(e)
}

// admit handles executions waiting at stage boundaries (E-3, E-4): stopped
// and cancelled waiters end, SUPERSEDED waiters are replaced by newer ones,
// and waiters enter free stages whose transitions are enabled, QUEUED ones
// in arrival order.
func (p *plan) admit() bool {
	var waiting []*flow
	for _, f := range p.flows {
		if f.exec.Phase == core.PhaseWaiting {
			waiting = append(waiting, f)
		}
	}
	slices.SortStableFunc(waiting, func(a, b *flow) int {
		return cmp.Or(a.exec.Arrived.Compare(b.exec.Arrived), cmp.Compare(a.exec.Seq, b.exec.Seq))
	})
	changed := p.endHalted(waiting)
	changed = p.supersede(waiting) || changed
	locked := p.locks()
	queueHeld := map[string]bool{}
	for _, f := range waiting {
		e := f.exec
		if e.Phase != core.PhaseWaiting {
			continue
		}
		stages := f.decl.Stages
		if e.Stage >= len(stages) {
			if !p.disabled(wire.Value(stages[len(stages)-1].Name), outbound) {
				p.end(e, core.StatusSucceeded, "")
				changed = true
			}
			continue
		}
		name := wire.Value(stages[e.Stage].Name)
		blocked := p.disabled(name, inbound) || e.Stage > 0 && p.disabled(wire.Value(stages[e.Stage-1].Name), outbound)
		if e.Mode != string(wire.ExecutionModePARALLEL) {
			blocked = blocked || locked[name] || e.Mode == string(wire.ExecutionModeQUEUED) && queueHeld[name]
			if blocked {
				queueHeld[name] = true
				continue
			}
			locked[name] = true
		}
		if blocked {
			continue
		}
		p.enter(f)
		changed = true
	}
	return changed
}

// endHalted ends waiters that were stopped (E-3.5) or cancelled (E-4.12):
// they never enter another stage.
func (p *plan) endHalted(waiting []*flow) bool {
	changed := false
	for _, f := range waiting {
		switch f.exec.Halt {
		case core.HaltStop, core.HaltAbandon:
			p.end(f.exec, core.StatusStopped, f.exec.Summary)
			changed = true
		case core.HaltCancel:
			p.end(f.exec, core.StatusCancelled, "The pipeline was updated before this execution completed")
			changed = true
		}
	}
	return changed
}

// supersede keeps only the newest SUPERSEDED waiter at each boundary (E-4.2).
func (p *plan) supersede(waiting []*flow) bool {
	newest := map[int]*flow{}
	for _, f := range waiting {
		if f.exec.Phase == core.PhaseWaiting && f.exec.Mode == string(wire.ExecutionModeSUPERSEDED) {
			newest[f.exec.Stage] = f // sorted oldest first: the last one wins
		}
	}
	changed := false
	for _, f := range waiting {
		e := f.exec
		if e.Phase != core.PhaseWaiting || e.Mode != string(wire.ExecutionModeSUPERSEDED) {
			continue
		}
		if n := newest[e.Stage]; n != f {
			p.end(e, core.StatusSuperseded, "Superseded by pipeline execution "+n.exec.ID)
			changed = true
		}
	}
	return changed
}

// locks names the stages an execution is running in (E-2.1). PARALLEL
// executions neither take nor respect locks (E-4.7).
func (p *plan) locks() map[string]bool {
	locked := map[string]bool{}
	for _, f := range p.flows {
		e := f.exec
		if e.Phase == core.PhaseRunning && e.Mode != string(wire.ExecutionModePARALLEL) {
			locked[wire.Value(f.decl.Stages[e.Stage].Name)] = true
		}
	}
	return locked
}

// enter puts a waiting execution into its stage with a fresh stage run.
func (p *plan) enter(f *flow) {
	e := f.exec
	e.Phase = core.PhaseRunning
	p.touchExec(e)
	f.stage = &core.StageRun{
		Scope: e.Scope, Pipeline: e.Pipeline, ExecutionID: e.ID,
		Stage: wire.Value(f.decl.Stages[e.Stage].Name), Status: core.StatusInProgress,
		Type: e.Type, Epoch: 1, PipelineVersion: e.PipelineVersion,
	}
	p.touchStage(f.stage)
}
