package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// Tests of execution modes (E-4), transitions (E-3) and of what a pipeline
// update does to running executions (E-4.12, E-4.13), with the helpers the
// control, retry and job tests share.

// createRun creates a pipeline and returns the execution its creation
// started (§2.1: trigger CreatePipeline).
func createRun(t *testing.T, c *codepipeline.Client, p *types.PipelineDeclaration) string {
	t.Helper()
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(context.Background(), &codepipeline.CreatePipelineInput{Pipeline: p}))
	return latestExecution(t, c, aws.ToString(p.Name))
}

// putRevision starts an execution whose source action Fetch produces rev
// at once, without a job (PutActionRevision, §2.1).
func putRevision(t *testing.T, c *codepipeline.Client, pipeline, rev string) string {
	t.Helper()
	out, err := c.PutActionRevision(context.Background(), &codepipeline.PutActionRevisionInput{
		PipelineName: aws.String(pipeline), StageName: aws.String("Source"), ActionName: aws.String("Fetch"),
		ActionRevision: &types.ActionRevision{RevisionId: aws.String(rev), RevisionChangeId: aws.String("change-" + rev), Created: aws.Time(time.Now())},
	})
	if err != nil || !out.NewRevision {
		t.Fatalf("put action revision %s: %+v %v", rev, out, err)
	}
	return aws.ToString(out.PipelineExecutionId)
}

// getExecution reads an execution.
func getExecution(t *testing.T, c *codepipeline.Client, pipeline, id string) *types.PipelineExecution {
	t.Helper()
	out, err := c.GetPipelineExecution(context.Background(), &codepipeline.GetPipelineExecutionInput{
		PipelineName: aws.String(pipeline), PipelineExecutionId: aws.String(id)})
	if err != nil {
		t.Fatalf("get execution %s: %v", id, err)
	}
	return out.PipelineExecution
}

// wantStatus checks an execution's status now.
func wantStatus(t *testing.T, c *codepipeline.Client, pipeline, id string, want types.PipelineExecutionStatus) *types.PipelineExecution {
	t.Helper()
	pe := getExecution(t, c, pipeline, id)
	if pe.Status != want {
		t.Fatalf("execution %s is %s (%s), want %s", id, pe.Status, aws.ToString(pe.StatusSummary), want)
	}
	return pe
}

// waitStage waits until a stage's latest execution is id with the status.
func waitStage(t *testing.T, c *codepipeline.Client, pipeline, stage, id string, want types.StageExecutionStatus) types.StageState {
	t.Helper()
	var st types.StageState
	eventually(t, fmt.Sprintf("stage %s to be %s in %s", stage, want, id), func() bool {
		st = stageState(t, c, pipeline, stage)
		return st.LatestExecution != nil && aws.ToString(st.LatestExecution.PipelineExecutionId) == id && st.LatestExecution.Status == want
	})
	return st
}

// approvalToken waits for the token of the in-progress approval the
// execution runs (A-2: in actionStates[].latestExecution.token).
func approvalToken(t *testing.T, c *codepipeline.Client, pipeline, stage, action, id string) string {
	t.Helper()
	var token string
	eventually(t, "approval token of "+action+" in "+id, func() bool {
		st := stageState(t, c, pipeline, stage)
		if st.LatestExecution == nil || aws.ToString(st.LatestExecution.PipelineExecutionId) != id {
			return false
		}
		for _, a := range st.ActionStates {
			if aws.ToString(a.ActionName) == action && a.LatestExecution != nil && a.LatestExecution.Token != nil {
				token = aws.ToString(a.LatestExecution.Token)
			}
		}
		return token != ""
	})
	return token
}

// putApproval puts an approval result.
func putApproval(c *codepipeline.Client, pipeline, stage, action, token string, status types.ApprovalStatus) error {
	_, err := c.PutApprovalResult(context.Background(), &codepipeline.PutApprovalResultInput{
		PipelineName: aws.String(pipeline), StageName: aws.String(stage), ActionName: aws.String(action), Token: aws.String(token),
		Result: &types.ApprovalResult{Status: status, Summary: aws.String(strings.ToLower(string(status)) + " by test")},
	})
	return err
}

// approveIn approves the approval an execution waits on.
func approveIn(t *testing.T, c *codepipeline.Client, pipeline, stage, action, id string) {
	t.Helper()
	if err := putApproval(c, pipeline, stage, action, approvalToken(t, c, pipeline, stage, action, id), types.ApprovalStatusApproved); err != nil {
		t.Fatalf("approve %s of %s: %v", action, id, err)
	}
}

// inboundIDs lists the executions waiting to enter a stage, and the one
// inboundExecution names (E-3.2).
func inboundIDs(t *testing.T, c *codepipeline.Client, pipeline, stage string) (all []string, newest string) {
	t.Helper()
	st := stageState(t, c, pipeline, stage)
	for _, e := range st.InboundExecutions {
		all = append(all, aws.ToString(e.PipelineExecutionId))
	}
	if st.InboundExecution != nil {
		newest = aws.ToString(st.InboundExecution.PipelineExecutionId)
	}
	return all, newest
}

// approvalPipeline is Source (custom Fetch) -> Stage1 (a manual approval).
func approvalPipeline(name, src string, mode types.ExecutionMode) *types.PipelineDeclaration {
	return flowPipeline(name, src, mode, []types.ActionDeclaration{approvalAction("Approve", nil)})
}

// TestSupersededMode: the newest waiter at a boundary supersedes the older
// one (E-3.3, E-4.2), an execution inside a stage is never superseded
// (E-4.1), and the waiter enters once the stage unlocks (E-2.1).
func TestSupersededMode(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "SupSrc", "SupBuild")
	first := createRun(t, c, approvalPipeline("sup", "SupSrc", types.ExecutionModeSuperseded))
	work(t, c, customID(types.ActionCategorySource, "SupSrc"), nil)
	waitStage(t, c, "sup", "Stage1", first, types.StageExecutionStatusInProgress)

	older := putRevision(t, c, "sup", "r1")
	if all, newest := inboundIDs(t, c, "sup", "Stage1"); len(all) != 1 || all[0] != older || newest != older {
		t.Fatalf("inbound of Stage1 = %v / %s, want [%s]", all, newest, older)
	}
	newer := putRevision(t, c, "sup", "r2")
	pe := wantStatus(t, c, "sup", older, types.PipelineExecutionStatusSuperseded)
	if !strings.Contains(aws.ToString(pe.StatusSummary), newer) {
		t.Errorf("superseded summary %q does not name %s", aws.ToString(pe.StatusSummary), newer)
	}
	if all, newest := inboundIDs(t, c, "sup", "Stage1"); len(all) != 1 || all[0] != newer || newest != newer {
		t.Fatalf("inbound of Stage1 = %v / %s, want only the newer waiter %s", all, newest, newer)
	}
	wantStatus(t, c, "sup", first, types.PipelineExecutionStatusInProgress) // E-4.1

	approveIn(t, c, "sup", "Stage1", "Approve", first)
	wantStatus(t, c, "sup", first, types.PipelineExecutionStatusSucceeded)
	st := waitStage(t, c, "sup", "Stage1", newer, types.StageExecutionStatusInProgress)
	if len(st.InboundExecutions) != 0 || st.InboundExecution != nil {
		t.Fatalf("Stage1 still has waiters: %+v", st.InboundExecutions)
	}
	approveIn(t, c, "sup", "Stage1", "Approve", newer)
	wantStatus(t, c, "sup", newer, types.PipelineExecutionStatusSucceeded)
	wantStatus(t, c, "sup", older, types.PipelineExecutionStatusSuperseded)
}

// TestQueuedMode: waiters form a FIFO at each boundary and are never
// superseded (E-4.5, E-4.6).
func TestQueuedMode(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "QSrc", "QBuild")
	first := createRun(t, c, approvalPipeline("queued", "QSrc", types.ExecutionModeQueued))
	work(t, c, customID(types.ActionCategorySource, "QSrc"), nil)
	waitStage(t, c, "queued", "Stage1", first, types.StageExecutionStatusInProgress)

	var waiting []string
	for i := range 3 {
		waiting = append(waiting, putRevision(t, c, "queued", fmt.Sprintf("q%d", i)))
	}
	all, newest := inboundIDs(t, c, "queued", "Stage1")
	if strings.Join(all, ",") != strings.Join(waiting, ",") || newest != waiting[2] {
		t.Fatalf("inbound of Stage1 = %v / %s, want %v with the newest named", all, newest, waiting)
	}
	prev := first
	for i, id := range waiting {
		approveIn(t, c, "queued", "Stage1", "Approve", prev)
		wantStatus(t, c, "queued", prev, types.PipelineExecutionStatusSucceeded)
		waitStage(t, c, "queued", "Stage1", id, types.StageExecutionStatusInProgress)
		if all, _ := inboundIDs(t, c, "queued", "Stage1"); len(all) != len(waiting)-i-1 {
			t.Fatalf("after %s entered, inbound = %v", id, all)
		}
		prev = id
	}
	approveIn(t, c, "queued", "Stage1", "Approve", prev)
	for _, id := range waiting {
		wantStatus(t, c, "queued", id, types.PipelineExecutionStatusSucceeded)
	}
}

// parallelToken is the token of a PARALLEL execution's approval: the
// action's externalExecutionId in ListActionExecutions (E-4.10, A-7).
func parallelToken(t *testing.T, c *codepipeline.Client, pipeline, id, action string) string {
	t.Helper()
	var token string
	eventually(t, "approval of "+id+" in ListActionExecutions", func() bool {
		out, err := c.ListActionExecutions(context.Background(), &codepipeline.ListActionExecutionsInput{
			PipelineName: aws.String(pipeline), Filter: &types.ActionExecutionFilter{PipelineExecutionId: aws.String(id)}})
		if err != nil {
			t.Fatalf("list action executions: %v", err)
		}
		for _, d := range out.ActionExecutionDetails {
			if aws.ToString(d.ActionName) == action && d.Status == types.ActionExecutionStatusInProgress {
				token = aws.ToString(d.Output.ExecutionResult.ExternalExecutionId)
			}
		}
		return token != ""
	})
	return token
}

// TestParallelMode: executions run side by side without stage locks
// (E-4.7), the pipeline has no state (E-4.8), and approvals are answered
// with the externalExecutionId as token (E-4.10).
func TestParallelMode(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "PSrc", "PBuild")
	first := createRun(t, c, approvalPipeline("par", "PSrc", types.ExecutionModeParallel))
	// The first execution still holds its source job, yet later ones pass.
	ids := []string{putRevision(t, c, "par", "p1"), putRevision(t, c, "par", "p2"), putRevision(t, c, "par", "p3")}
	tokens := map[string]string{}
	for _, id := range ids {
		tokens[id] = parallelToken(t, c, "par", id, "Approve")
	}
	if len(tokens) != 3 || tokens[ids[0]] == tokens[ids[1]] {
		t.Fatalf("tokens %v: want one distinct token per execution", tokens)
	}
	for _, st := range must[*codepipeline.GetPipelineStateOutput](t)(c.GetPipelineState(context.Background(),
		&codepipeline.GetPipelineStateInput{Name: aws.String("par")})).StageStates {
		if st.LatestExecution != nil || len(st.InboundExecutions) != 0 {
			t.Errorf("stage %s of a PARALLEL pipeline shows %+v", aws.ToString(st.StageName), st.LatestExecution)
		}
		for _, a := range st.ActionStates {
			if a.LatestExecution != nil {
				t.Errorf("action %s of a PARALLEL pipeline shows a token or run: %+v", aws.ToString(a.ActionName), a.LatestExecution)
			}
		}
	}
	// The middle one finishes first: nothing orders them.
	if err := putApproval(c, "par", "Stage1", "Approve", tokens[ids[1]], types.ApprovalStatusApproved); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c, "par", ids[1], types.PipelineExecutionStatusSucceeded)
	wantStatus(t, c, "par", ids[0], types.PipelineExecutionStatusInProgress)
	if err := putApproval(c, "par", "Stage1", "Approve", tokens[ids[0]], types.ApprovalStatusRejected); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c, "par", ids[0], types.PipelineExecutionStatusFailed)
	wantStatus(t, c, "par", ids[2], types.PipelineExecutionStatusInProgress)
	work(t, c, customID(types.ActionCategorySource, "PSrc"), nil)
	answerParallel := parallelToken(t, c, "par", first, "Approve")
	if err := putApproval(c, "par", "Stage1", "Approve", answerParallel, types.ApprovalStatusApproved); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c, "par", first, types.PipelineExecutionStatusSucceeded)
	_, err := c.RollbackStage(context.Background(), &codepipeline.RollbackStageInput{PipelineName: aws.String("par"),
		StageName: aws.String("Stage1"), TargetPipelineExecutionId: aws.String(first)})
	wantAPIError(t, err, "UnableToRollbackStageException") // E-4.9
}

// TestParallelTransitions: PARALLEL executions take no locks but do
// respect a disabled transition, and all enter once it is enabled (E-3.1,
// E-4.7).
func TestParallelTransitions(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "PTSrc", "PTBuild")
	createRun(t, c, approvalPipeline("partr", "PTSrc", types.ExecutionModeParallel))
	toggleTransition(t, c, "partr", "Stage1", types.StageTransitionTypeInbound, false)
	ids := []string{putRevision(t, c, "partr", "t1"), putRevision(t, c, "partr", "t2")}
	for _, id := range ids {
		if runs := actionRuns(t, c, "partr", id); len(runs["Approve"]) != 0 {
			t.Fatalf("%s entered Stage1 through a disabled transition: %v", id, runs)
		}
	}
	if st := stageState(t, c, "partr", "Stage1"); st.InboundTransitionState.Enabled {
		t.Fatal("transition state of a PARALLEL pipeline not shown")
	}
	toggleTransition(t, c, "partr", "Stage1", types.StageTransitionTypeInbound, true)
	for _, id := range ids {
		if err := putApproval(c, "partr", "Stage1", "Approve", parallelToken(t, c, "partr", id, "Approve"), types.ApprovalStatusApproved); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, c, "partr", id, types.PipelineExecutionStatusSucceeded)
	}
}

// toggleTransition disables or enables a transition.
func toggleTransition(t *testing.T, c *codepipeline.Client, pipeline, stage string, kind types.StageTransitionType, enable bool) {
	t.Helper()
	ctx := context.Background()
	var err error
	if enable {
		_, err = c.EnableStageTransition(ctx, &codepipeline.EnableStageTransitionInput{PipelineName: aws.String(pipeline),
			StageName: aws.String(stage), TransitionType: kind})
	} else {
		_, err = c.DisableStageTransition(ctx, &codepipeline.DisableStageTransitionInput{PipelineName: aws.String(pipeline),
			StageName: aws.String(stage), TransitionType: kind, Reason: aws.String("freeze for " + stage)})
	}
	if err != nil {
		t.Fatalf("transition %s %s enable=%v: %v", stage, kind, enable, err)
	}
}

// TestTransitions: an Inbound transition holds executions before its
// stage, an Outbound one after it, the last stage's before completing
// (E-3.1, E-3.2); GetPipelineState shows the inbound transition.
func TestTransitions(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "TSrc", "TBuild")
	p := flowPipeline("trans", "TSrc", types.ExecutionModeSuperseded,
		[]types.ActionDeclaration{approvalAction("Gate1", nil)}, []types.ActionDeclaration{approvalAction("Gate2", nil)})
	first := createRun(t, c, p)
	toggleTransition(t, c, "trans", "Stage1", types.StageTransitionTypeInbound, false)
	work(t, c, customID(types.ActionCategorySource, "TSrc"), nil)
	st := stageState(t, c, "trans", "Stage1")
	ts := st.InboundTransitionState
	if ts == nil || ts.Enabled || aws.ToString(ts.DisabledReason) != "freeze for Stage1" ||
		!strings.HasPrefix(aws.ToString(ts.LastChangedBy), "arn:aws:") || ts.LastChangedAt == nil {
		t.Fatalf("disabled transition state %+v", ts)
	}
	if st.LatestExecution != nil || st.InboundExecution == nil || aws.ToString(st.InboundExecution.PipelineExecutionId) != first ||
		st.InboundExecution.Status != types.StageExecutionStatusInProgress {
		t.Fatalf("Stage1 with inbound disabled: latest %+v inbound %+v", st.LatestExecution, st.InboundExecution)
	}
	if ss := stageState(t, c, "trans", "Source"); !ss.InboundTransitionState.Enabled || ss.InboundTransitionState.LastChangedBy != nil {
		t.Errorf("untouched transition %+v", ss.InboundTransitionState)
	}

	toggleTransition(t, c, "trans", "Stage1", types.StageTransitionTypeInbound, true)
	st = waitStage(t, c, "trans", "Stage1", first, types.StageExecutionStatusInProgress)
	if ts := st.InboundTransitionState; !ts.Enabled || ts.DisabledReason != nil || ts.LastChangedAt == nil {
		t.Fatalf("enabled transition state %+v", ts)
	}

	// Outbound of Stage1: the execution leaves the stage, which unlocks,
	// but waits before Stage2.
	toggleTransition(t, c, "trans", "Stage1", types.StageTransitionTypeOutbound, false)
	if !stageState(t, c, "trans", "Stage1").InboundTransitionState.Enabled {
		t.Fatal("disabling Outbound changed the Inbound transition state")
	}
	approveIn(t, c, "trans", "Stage1", "Gate1", first)
	waitStage(t, c, "trans", "Stage1", first, types.StageExecutionStatusSucceeded)
	if all, _ := inboundIDs(t, c, "trans", "Stage2"); len(all) != 1 || all[0] != first {
		t.Fatalf("Stage2 inbound %v, want %s held by Stage1's outbound transition", all, first)
	}
	if st := stageState(t, c, "trans", "Stage2"); st.LatestExecution != nil {
		t.Fatalf("Stage2 entered through a disabled transition: %+v", st.LatestExecution)
	}
	second := putRevision(t, c, "trans", "t2")
	waitStage(t, c, "trans", "Stage1", second, types.StageExecutionStatusInProgress) // Stage1 is free
	toggleTransition(t, c, "trans", "Stage1", types.StageTransitionTypeOutbound, true)
	waitStage(t, c, "trans", "Stage2", first, types.StageExecutionStatusInProgress)

	// Outbound of the last stage holds completion.
	toggleTransition(t, c, "trans", "Stage2", types.StageTransitionTypeOutbound, false)
	approveIn(t, c, "trans", "Stage2", "Gate2", first)
	waitStage(t, c, "trans", "Stage2", first, types.StageExecutionStatusSucceeded)
	wantStatus(t, c, "trans", first, types.PipelineExecutionStatusInProgress)
	toggleTransition(t, c, "trans", "Stage2", types.StageTransitionTypeOutbound, true)
	wantStatus(t, c, "trans", first, types.PipelineExecutionStatusSucceeded)

	_, err := c.DisableStageTransition(ctx, &codepipeline.DisableStageTransitionInput{PipelineName: aws.String("trans"),
		StageName: aws.String("Nope"), TransitionType: types.StageTransitionTypeInbound, Reason: aws.String("x")})
	wantAPIError(t, err, "StageNotFoundException")
	_, err = c.EnableStageTransition(ctx, &codepipeline.EnableStageTransitionInput{PipelineName: aws.String("nope"),
		StageName: aws.String("Stage1"), TransitionType: types.StageTransitionTypeInbound})
	wantAPIError(t, err, "PipelineNotFoundException")
}

// updatePipeline replaces a pipeline's declaration with p.
func updatePipeline(t *testing.T, c *codepipeline.Client, p *types.PipelineDeclaration) {
	t.Helper()
	must[*codepipeline.UpdatePipelineOutput](t)(c.UpdatePipeline(context.Background(), &codepipeline.UpdatePipelineInput{Pipeline: p}))
}

// TestUpdateCancelsExecutions: updating a SUPERSEDED or QUEUED pipeline
// cancels its executions, a running one once its in-progress actions
// finished, an in-progress approval at once, waiting ones at once
// (E-4.12, A-8).
func TestUpdateCancelsExecutions(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "USrc", "UBuild")
	p := flowPipeline("upd", "USrc", types.ExecutionModeQueued,
		[]types.ActionDeclaration{buildAction("Build", "UBuild", "app", 1), approvalAction("Approve", nil)})
	first := createRun(t, c, p)
	work(t, c, customID(types.ActionCategorySource, "USrc"), nil)
	token := approvalToken(t, c, "upd", "Stage1", "Approve", first)
	build := pollOne(t, c, customID(types.ActionCategoryBuild, "UBuild"), map[string]string{"Project": "app"})
	ackJob(t, c, build)
	waiting := putRevision(t, c, "upd", "u1")

	p.Stages[1].Actions[0].Configuration["Message"] = "changed"
	updatePipeline(t, c, p)
	wantStatus(t, c, "upd", waiting, types.PipelineExecutionStatusCancelled)
	wantStatus(t, c, "upd", first, types.PipelineExecutionStatusInProgress) // its build still runs
	for _, a := range stageState(t, c, "upd", "Stage1").ActionStates {
		if aws.ToString(a.ActionName) == "Approve" && a.LatestExecution.Status != types.ActionExecutionStatusAbandoned {
			t.Fatalf("approval after the update is %s, want Abandoned", a.LatestExecution.Status)
		}
	}
	wantAPIError(t, putApproval(c, "upd", "Stage1", "Approve", token, types.ApprovalStatusApproved), "InvalidApprovalTokenException")

	succeed(t, c, build, nil, nil)
	pe := wantStatus(t, c, "upd", first, types.PipelineExecutionStatusCancelled)
	if aws.ToString(pe.StatusSummary) == "" {
		t.Error("a cancelled execution says nothing about why")
	}
	waitStage(t, c, "upd", "Stage1", first, types.StageExecutionStatusCancelled)
	_, err := c.StopPipelineExecution(ctx, &codepipeline.StopPipelineExecutionInput{PipelineName: aws.String("upd"), PipelineExecutionId: aws.String(first)})
	wantAPIError(t, err, "PipelineExecutionNotStoppableException")

	// Nothing restarts on its own; a new execution runs the new version.
	next := must[*codepipeline.StartPipelineExecutionOutput](t)(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("upd")}))
	if v := aws.ToInt32(getExecution(t, c, "upd", aws.ToString(next.PipelineExecutionId)).PipelineVersion); v != 2 {
		t.Fatalf("new execution runs version %d, want 2", v)
	}
}

// TestUpdateParallelRunsOn: executions started in PARALLEL mode run on
// with the version they started with when the pipeline is updated, even
// to another mode (E-4.11, E-4.13).
func TestUpdateParallelRunsOn(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "UPSrc", "UPBuild")
	p := approvalPipeline("updpar", "UPSrc", types.ExecutionModeParallel)
	createRun(t, c, p)
	id := putRevision(t, c, "updpar", "v1")
	token := parallelToken(t, c, "updpar", id, "Approve")

	p.ExecutionMode = types.ExecutionModeSuperseded
	p.Stages[1].Actions[0].Configuration = map[string]string{"CustomData": "version 2"}
	updatePipeline(t, c, p)
	wantStatus(t, c, "updpar", id, types.PipelineExecutionStatusInProgress)
	if err := putApproval(c, "updpar", "Stage1", "Approve", token, types.ApprovalStatusApproved); err != nil {
		t.Fatal(err)
	}
	pe := wantStatus(t, c, "updpar", id, types.PipelineExecutionStatusSucceeded)
	if aws.ToInt32(pe.PipelineVersion) != 1 || pe.ExecutionMode != types.ExecutionModeParallel {
		t.Fatalf("execution ran version %d in mode %s, want version 1 PARALLEL", aws.ToInt32(pe.PipelineVersion), pe.ExecutionMode)
	}
}

// TestConcurrentExecutionsLimit: a QUEUED pipeline takes at most 50
// active executions, from any start path (E-1.6).
func TestConcurrentExecutionsLimit(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "LSrc", "LBuild")
	createRun(t, c, approvalPipeline("limit", "LSrc", types.ExecutionModeQueued))
	for range 49 {
		must[*codepipeline.StartPipelineExecutionOutput](t)(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("limit")}))
	}
	_, err := c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("limit")})
	wantAPIError(t, err, "ConcurrentPipelineExecutionsLimitExceededException")
	_, err = c.PutActionRevision(ctx, &codepipeline.PutActionRevisionInput{
		PipelineName: aws.String("limit"), StageName: aws.String("Source"), ActionName: aws.String("Fetch"),
		ActionRevision: &types.ActionRevision{RevisionId: aws.String("over"), RevisionChangeId: aws.String("c"), Created: aws.Time(time.Now())}})
	wantAPIError(t, err, "ConcurrentPipelineExecutionsLimitExceededException")

	// A finished execution frees a place.
	id := latestExecution(t, c, "limit")
	must[*codepipeline.StopPipelineExecutionOutput](t)(c.StopPipelineExecution(ctx, &codepipeline.StopPipelineExecutionInput{
		PipelineName: aws.String("limit"), PipelineExecutionId: aws.String(id), Abandon: true}))
	must[*codepipeline.StartPipelineExecutionOutput](t)(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("limit")}))
}
