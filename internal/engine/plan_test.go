package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// The planner is pure: these tables put executions in every state the
// engine stores and check where one planning pass leaves them, and that a
// second pass changes nothing.

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func act(name string, order int32, typ core.ActionTypeID) wire.ActionDeclaration {
	return wire.ActionDeclaration{Name: wire.Ptr(name), RunOrder: wire.Ptr(order), ActionTypeId: wireTypeID(typ),
		Configuration: map[string]string{}}
}

var custom = core.ActionTypeID{Category: "Build", Owner: "Custom", Provider: "B", Version: "1"}

// decl has stages named S0, S1, … with one custom action each unless given.
func decl(stages ...[]wire.ActionDeclaration) *wire.PipelineDeclaration {
	d := &wire.PipelineDeclaration{Name: wire.Ptr("p"), PipelineType: wire.PipelineTypeV2}
	for i, acts := range stages {
		d.Stages = append(d.Stages, wire.StageDeclaration{Name: wire.Ptr(fmt.Sprintf("S%d", i)), Actions: acts})
	}
	return d
}

func one(name string) []wire.ActionDeclaration { return []wire.ActionDeclaration{act(name, 1, custom)} }

// waiting is an execution waiting at a stage boundary.
func waiting(id string, mode wire.ExecutionMode, stage int, arrived time.Duration, d *wire.PipelineDeclaration) *flow {
	return &flow{decl: d, exec: &core.Execution{ID: id, Pipeline: "p", Seq: int64(arrived), Status: core.StatusInProgress,
		Mode: string(mode), Type: "STANDARD", Stage: stage, Phase: core.PhaseWaiting, Arrived: t0.Add(arrived)}}
}

// running is an execution inside a stage with the given runs (epoch 1).
func running(id string, mode wire.ExecutionMode, stage int, d *wire.PipelineDeclaration, runs ...*core.ActionRun) *flow {
	f := waiting(id, mode, stage, 0, d)
	f.exec.Phase = core.PhaseRunning
	f.stage = &core.StageRun{ExecutionID: id, Stage: fmt.Sprintf("S%d", stage), Status: core.StatusInProgress, Epoch: 1}
	for _, r := range runs {
		r.ExecutionID, r.Stage, r.Epoch = id, f.stage.Stage, 1
		if r.Type == (core.ActionTypeID{}) {
			r.Type = custom
		}
	}
	f.runs = runs
	return f
}

func runOf(action, status string) *core.ActionRun {
	return &core.ActionRun{ID: action + "-run", Action: action, Status: status}
}

func planned(flows []*flow, disabled map[string]bool) *plan {
	n := 0
	p := newPlan(t0.Add(time.Hour), func() string { n++; return fmt.Sprintf("id%d", n) }, DefaultTimeouts,
		func(stage, kind string) bool { return disabled[stage+"/"+kind] }, flows)
	p.run()
	return p
}

// state summarises flows as "id:status/phase/stage" for comparison.
func state(flows []*flow) string {
	var parts []string
	for _, f := range flows {
		parts = append(parts, fmt.Sprintf("%s:%s/%s/%d", f.exec.ID, f.exec.Status, f.exec.Phase, f.exec.Stage))
	}
	return strings.Join(parts, " ")
}

// runs summarises the current-stage runs of a flow as "action=status".
func runs(f *flow) string {
	var parts []string
	for _, a := range f.decl.Stages[min(f.exec.Stage, len(f.decl.Stages)-1)].Actions {
		if r := current(f)[wire.Value(a.Name)]; r != nil {
			parts = append(parts, wire.Value(a.Name)+"="+r.Status)
		}
	}
	return strings.Join(parts, " ")
}

func TestPlanTable(t *testing.T) {
	two := decl(one("A"), one("B"))
	group := decl([]wire.ActionDeclaration{act("A", 1, custom), act("B", 1, custom), act("C", 2, custom)})
	const (
		sup = wire.ExecutionModeSUPERSEDED
		que = wire.ExecutionModeQUEUED
		par = wire.ExecutionModePARALLEL
	)
	tests := []struct {
		name     string
		flows    func() []*flow
		disabled map[string]bool
		want     string // state() after planning
		wantRuns string // runs() of the first flow, when set
	}{
		{"E-2.2 a new execution enters and starts the first group",
			func() []*flow { return []*flow{waiting("x", sup, 0, 0, group)} }, nil,
			"x:InProgress/Running/0", "A=InProgress B=InProgress"},
		{"E-2.2 the next runOrder starts when the group succeeded",
			func() []*flow {
				return []*flow{running("x", sup, 0, group, runOf("A", core.StatusSucceeded), runOf("B", core.StatusSucceeded))}
			}, nil, "x:InProgress/Running/0", "A=Succeeded B=Succeeded C=InProgress"},
		{"E-2.3 a failure waits for the in-progress actions of its group",
			func() []*flow {
				return []*flow{running("x", sup, 0, group, runOf("A", core.StatusFailed), runOf("B", core.StatusInProgress))}
			}, nil, "x:InProgress/Running/0", "A=Failed B=InProgress"},
		{"E-2.3 then fails the stage and the execution",
			func() []*flow {
				return []*flow{running("x", sup, 0, group, runOf("A", core.StatusFailed), runOf("B", core.StatusSucceeded))}
			}, nil, "x:Failed/Done/0", "A=Failed B=Succeeded"},
		{"E-2.4 a succeeded stage moves on to the next",
			func() []*flow { return []*flow{running("x", sup, 0, two, runOf("A", core.StatusSucceeded))} }, nil,
			"x:InProgress/Running/1", ""},
		{"E-2.4 the last stage succeeded: the execution succeeded",
			func() []*flow { return []*flow{running("x", sup, 1, two, runOf("B", core.StatusSucceeded))} }, nil,
			"x:Succeeded/Done/2", ""},
		{"E-2.1 a locked stage holds the next execution",
			func() []*flow { return []*flow{running("x", sup, 1, two), waiting("y", sup, 1, time.Minute, two)} }, nil,
			"x:InProgress/Running/1 y:InProgress/Waiting/1", ""},
		{"E-4.2 a newer waiter supersedes an older one",
			func() []*flow {
				return []*flow{running("x", sup, 1, two), waiting("y", sup, 1, time.Minute, two), waiting("z", sup, 1, 2*time.Minute, two)}
			}, nil, "x:InProgress/Running/1 y:Superseded/Done/1 z:InProgress/Waiting/1", ""},
		{"E-4.1 supersession never happens inside a stage",
			func() []*flow { return []*flow{running("x", sup, 1, two), waiting("y", sup, 0, time.Minute, two)} }, nil,
			"x:InProgress/Running/1 y:InProgress/Running/0", ""},
		{"E-4.5 QUEUED waiters form a queue",
			func() []*flow {
				return []*flow{running("x", que, 1, two), waiting("y", que, 1, time.Minute, two), waiting("z", que, 1, 2*time.Minute, two)}
			}, nil, "x:InProgress/Running/1 y:InProgress/Waiting/1 z:InProgress/Waiting/1", ""},
		{"E-4.5 the head of the queue enters a free stage, the rest wait",
			func() []*flow {
				return []*flow{waiting("y", que, 1, time.Minute, two), waiting("z", que, 1, 2*time.Minute, two)}
			}, nil, "y:InProgress/Running/1 z:InProgress/Waiting/1", ""},
		{"E-4.7 PARALLEL executions ignore stage locks",
			func() []*flow { return []*flow{running("x", par, 1, two), waiting("y", par, 1, time.Minute, two)} }, nil,
			"x:InProgress/Running/1 y:InProgress/Running/1", ""},
		{"E-3.1 a disabled inbound transition holds the execution",
			func() []*flow { return []*flow{waiting("x", sup, 1, 0, two)} }, map[string]bool{"S1/Inbound": true},
			"x:InProgress/Waiting/1", ""},
		{"E-3.1 a disabled outbound transition of the previous stage holds it too",
			func() []*flow { return []*flow{waiting("x", sup, 1, 0, two)} }, map[string]bool{"S0/Outbound": true},
			"x:InProgress/Waiting/1", ""},
		{"E-3.1 an outbound transition of the last stage holds completion",
			func() []*flow { return []*flow{waiting("x", sup, 2, 0, two)} }, map[string]bool{"S1/Outbound": true},
			"x:InProgress/Waiting/2", ""},
		{"E-3.3 waiters behind a disabled transition are superseded too",
			func() []*flow {
				return []*flow{waiting("y", sup, 1, time.Minute, two), waiting("z", sup, 1, 2*time.Minute, two)}
			}, map[string]bool{"S1/Inbound": true}, "y:Superseded/Done/1 z:InProgress/Waiting/1", ""},
		{"E-5.1 stop waits for in-progress actions",
			func() []*flow {
				f := running("x", sup, 0, group, runOf("A", core.StatusInProgress))
				f.exec.Status, f.exec.Halt = core.StatusStopping, core.HaltStop
				return []*flow{f}
			}, nil, "x:Stopping/Running/0", "A=InProgress"},
		{"E-5.1 then the execution is Stopped and starts nothing new",
			func() []*flow {
				f := running("x", sup, 0, group, runOf("A", core.StatusSucceeded), runOf("B", core.StatusSucceeded))
				f.exec.Status, f.exec.Halt = core.StatusStopping, core.HaltStop
				return []*flow{f}
			}, nil, "x:Stopped/Done/0", "A=Succeeded B=Succeeded"},
		{"E-5.2 abandon ends in-progress actions at once",
			func() []*flow {
				f := running("x", sup, 0, group, runOf("A", core.StatusInProgress), runOf("B", core.StatusSucceeded))
				f.exec.Status, f.exec.Halt = core.StatusStopping, core.HaltAbandon
				return []*flow{f}
			}, nil, "x:Stopped/Done/0", "A=Abandoned B=Succeeded"},
		{"E-3.5 a stopped waiter never enters",
			func() []*flow {
				f := waiting("x", sup, 1, 0, two)
				f.exec.Status, f.exec.Halt = core.StatusStopping, core.HaltStop
				return []*flow{f}
			}, nil, "x:Stopped/Done/1", ""},
		{"E-4.12 an update cancels after in-progress actions, abandoning approvals",
			func() []*flow {
				ap := runOf("A", core.StatusInProgress)
				ap.Type = approvalType
				f := running("x", sup, 0, group, ap, runOf("B", core.StatusInProgress))
				f.exec.Halt = core.HaltCancel
				return []*flow{f}
			}, nil, "x:InProgress/Running/0", "A=Abandoned B=InProgress"},
		{"E-4.12 the cancelled execution ends Cancelled",
			func() []*flow {
				f := running("x", sup, 0, group, runOf("A", core.StatusSucceeded), runOf("B", core.StatusSucceeded))
				f.exec.Halt = core.HaltCancel
				return []*flow{f}
			}, nil, "x:Cancelled/Done/0", "A=Succeeded B=Succeeded"},
		{"E-4.12 a cancelled waiter ends at once",
			func() []*flow {
				f := waiting("x", sup, 1, 0, two)
				f.exec.Halt = core.HaltCancel
				return []*flow{f}
			}, nil, "x:Cancelled/Done/1", ""},
		{"R-3.2 a rollback runs its one stage",
			func() []*flow {
				f := running("x", sup, 0, two, runOf("A", core.StatusSucceeded))
				f.exec.OnlyStage = "S0"
				return []*flow{f}
			}, nil, "x:Succeeded/Done/0", ""},
		{"terminal executions stay as they are",
			func() []*flow {
				f := waiting("x", sup, 1, 0, two)
				f.exec.Status, f.exec.Phase = core.StatusFailed, core.PhaseDone
				return []*flow{f}
			}, nil, "x:Failed/Done/1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flows := tt.flows()
			planned(flows, tt.disabled)
			if got := state(flows); got != tt.want {
				t.Fatalf("state %s, want %s", got, tt.want)
			}
			if tt.wantRuns != "" {
				if got := runs(flows[0]); got != tt.wantRuns {
					t.Fatalf("runs %s, want %s", got, tt.wantRuns)
				}
			}
			again := planned(flows, tt.disabled)
			if len(again.execs)+len(again.stages)+len(again.runs) != 0 {
				t.Fatalf("a second pass changed %d executions, %d stages, %d runs", len(again.execs), len(again.stages), len(again.runs))
			}
		})
	}
}

// TestPlanStartAction checks what starting an action records: jobs for
// workers, approval tokens and deadlines, pinned revisions, and failures
// to resolve references (A-2, A-5, V-4, V-5).
func TestPlanStartAction(t *testing.T) {
	src := core.ActionTypeID{Category: "Source", Owner: "Custom", Provider: "S", Version: "1"}
	ref := act("Use", 1, custom)
	ref.Configuration = map[string]string{"Msg": "#{Src.Commit}-#{variables.env}-#{codepipeline.PipelineExecutionId}"}
	ap := act("Approve", 1, approvalType)
	ap.TimeoutInMinutes = wire.Ptr(int32(10))
	d := decl([]wire.ActionDeclaration{act("Fetch", 1, src)}, []wire.ActionDeclaration{ref}, []wire.ActionDeclaration{ap})
	d.Stages[0].Actions[0].Namespace = wire.Ptr("Src")
	d.Stages[0].Actions[0].OutputArtifacts = []wire.OutputArtifact{{Name: wire.Ptr("Out")}}

	f := waiting("x", wire.ExecutionModeSUPERSEDED, 0, 0, d)
	f.exec.Pinned = map[string]core.Revision{"Fetch": {RevisionID: "r1"}}
	f.exec.Variables = map[string]string{"env": "prod"}
	p := planned([]*flow{f}, nil)
	fetch := f.runs[0]
	if fetch.Status != core.StatusSucceeded || fetch.Revision.RevisionID != "r1" || len(f.exec.Sources) != 1 {
		t.Fatalf("pinned source run %+v, sources %+v", fetch, f.exec.Sources)
	}
	if !strings.HasPrefix(fetch.OutputKeys["Out"], "p/Out/") || len(fetch.OutputKeys["Out"]) != len("p/Out/")+7 {
		t.Fatalf("output key %q does not follow AR-2", fetch.OutputKeys["Out"])
	}
	// The source has no output variables yet: the reference cannot resolve.
	use := f.runs[1]
	if use.Status != core.StatusFailed || !strings.Contains(use.Summary, "Action name=Use") || f.exec.Status != core.StatusFailed {
		t.Fatalf("unresolved run %+v, execution %s", use, f.exec.Status)
	}
	if len(p.started) != 0 {
		t.Fatalf("started %d jobs, want none", len(p.started))
	}

	fetch.OutputVariables = map[string]string{"Commit": "abc"}
	g := waiting("y", wire.ExecutionModeSUPERSEDED, 1, 0, d)
	g.runs, g.exec.Variables = []*core.ActionRun{fetch}, map[string]string{"env": "prod"}
	p = planned([]*flow{g}, nil)
	if r := g.runs[1]; r.Status != core.StatusInProgress || r.Resolved["Msg"] != "abc-prod-y" || len(p.started) != 1 ||
		r.Deadline != t0.Add(time.Hour+DefaultTimeouts.Custom) {
		t.Fatalf("resolved run %+v, started %d", r, len(p.started))
	}
	g.runs[1].Status = core.StatusSucceeded
	planned([]*flow{g}, nil)
	if r := g.runs[2]; r.Token == "" || r.Deadline != t0.Add(time.Hour+10*time.Minute) || r.Status != core.StatusInProgress {
		t.Fatalf("approval run %+v", r)
	}
}

// TestPlanAutoRetry: onFailure RETRY re-runs the failed actions once,
// carrying the succeeded ones into the new epoch.
func TestPlanAutoRetry(t *testing.T) {
	d := decl([]wire.ActionDeclaration{act("A", 1, custom), act("B", 1, custom)})
	d.Stages[0].OnFailure = &wire.FailureConditions{Result: wire.ResultRETRY,
		RetryConfiguration: &wire.RetryConfiguration{RetryMode: wire.StageRetryModeFAILED_ACTIONS}}
	f := running("x", wire.ExecutionModeSUPERSEDED, 0, d, runOf("A", core.StatusFailed), runOf("B", core.StatusSucceeded))
	planned([]*flow{f}, nil)
	if f.stage.Epoch != 2 || f.stage.AutoRetries != 1 || runs(f) != "A=InProgress B=Succeeded" || f.exec.Status != core.StatusInProgress {
		t.Fatalf("after the automatic retry: epoch %d, retries %d, runs %s, %s", f.stage.Epoch, f.stage.AutoRetries, runs(f), f.exec.Status)
	}
	current(f)["A"].Status = core.StatusFailed
	planned([]*flow{f}, nil)
	if f.exec.Status != core.StatusFailed || f.stage.Epoch != 2 {
		t.Fatalf("a second failure: %s, epoch %d; want Failed without another retry", f.exec.Status, f.stage.Epoch)
	}
}
