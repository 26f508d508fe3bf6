package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// Tests of the control operations: stopping (E-5), approvals,
// starting with options (E-1.3, E-1.4, V-8), variables that do not resolve
// (V-5), PutActionRevision (§2.1) and the history listings (E-6.5, E-6.6).

// buildPipeline is Source (custom) -> Stage1 (Build of project app) ->
// Stage2 (Build of project deploy), both builds of the given type.
func buildPipeline(name, src, build string, mode types.ExecutionMode) *types.PipelineDeclaration {
	return flowPipeline(name, src, mode,
		[]types.ActionDeclaration{buildAction("Build", build, "app", 1)},
		[]types.ActionDeclaration{buildAction("Deploy", build, "deploy", 1)})
}

// stopExecution stops an execution, abandoning or not, with a reason.
func stopExecution(c *codepipeline.Client, pipeline, id string, abandon bool, reason string) error {
	_, err := c.StopPipelineExecution(context.Background(), &codepipeline.StopPipelineExecutionInput{
		PipelineName: aws.String(pipeline), PipelineExecutionId: aws.String(id), Abandon: abandon, Reason: aws.String(reason)})
	return err
}

// noJob checks a type has no queued job for the query now.
func noJob(t *testing.T, c *codepipeline.Client, id *types.ActionTypeId, query map[string]string) {
	t.Helper()
	out, err := c.PollForJobs(context.Background(), &codepipeline.PollForJobsInput{ActionTypeId: id, QueryParam: query, MaxBatchSize: aws.Int32(10)})
	if err != nil || len(out.Jobs) != 0 {
		t.Fatalf("poll %v: %d jobs (%v), want none", query, len(out.Jobs), err)
	}
}

// actionStatus is the status of an action's latest run in GetPipelineState.
func actionStatus(t *testing.T, c *codepipeline.Client, pipeline, stage, action string) types.ActionExecutionStatus {
	t.Helper()
	for _, a := range stageState(t, c, pipeline, stage).ActionStates {
		if aws.ToString(a.ActionName) == action && a.LatestExecution != nil {
			return a.LatestExecution.Status
		}
	}
	return ""
}

// TestStopAndWait: a stop-and-wait lets the in-progress action finish and
// starts nothing more (E-5.1); a second one is a duplicate (E-5.3); the
// reason is the summary's stopTrigger (E-5.5); a finished execution is
// not stoppable (E-5.3); the stopped stage can be retried (E-5.4, R-1.1).
func TestStopAndWait(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "SWSrc", "SWBuild")
	id := createRun(t, c, buildPipeline("sw", "SWSrc", "SWBuild", types.ExecutionModeSuperseded))
	buildID := customID(types.ActionCategoryBuild, "SWBuild")
	work(t, c, customID(types.ActionCategorySource, "SWSrc"), nil)
	job := pollOne(t, c, buildID, map[string]string{"Project": "app"})
	ackJob(t, c, job)

	if err := stopExecution(c, "sw", id, false, "hold the release"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c, "sw", id, types.PipelineExecutionStatusStopping)
	waitStage(t, c, "sw", "Stage1", id, types.StageExecutionStatusStopping)
	wantAPIError(t, stopExecution(c, "sw", id, false, "again"), "DuplicatedStopRequestException")
	if got := actionStatus(t, c, "sw", "Stage1", "Build"); got != types.ActionExecutionStatusInProgress {
		t.Fatalf("build after stop-and-wait is %s, want still InProgress", got)
	}

	succeed(t, c, job, nil, nil)
	wantStatus(t, c, "sw", id, types.PipelineExecutionStatusStopped)
	waitStage(t, c, "sw", "Stage1", id, types.StageExecutionStatusStopped)
	if got := actionStatus(t, c, "sw", "Stage1", "Build"); got != types.ActionExecutionStatusSucceeded {
		t.Fatalf("build is %s, want Succeeded: stop-and-wait lets it finish", got)
	}
	noJob(t, c, buildID, map[string]string{"Project": "deploy"})
	if st := stageState(t, c, "sw", "Stage2"); st.LatestExecution != nil {
		t.Fatalf("Stage2 started after the stop: %+v", st.LatestExecution)
	}
	list := must[*codepipeline.ListPipelineExecutionsOutput](t)(c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("sw")}))
	if s := list.PipelineExecutionSummaries[0]; s.StopTrigger == nil || aws.ToString(s.StopTrigger.Reason) != "hold the release" {
		t.Fatalf("summary stopTrigger %+v", s.StopTrigger)
	}
	wantAPIError(t, stopExecution(c, "sw", id, false, ""), "PipelineExecutionNotStoppableException")
	wantAPIError(t, stopExecution(c, "sw", id, true, ""), "PipelineExecutionNotStoppableException")

	// E-5.4: the stage it stopped in can be retried; the build carries over.
	out := must[*codepipeline.RetryStageExecutionOutput](t)(c.RetryStageExecution(ctx, &codepipeline.RetryStageExecutionInput{
		PipelineName: aws.String("sw"), StageName: aws.String("Stage1"), PipelineExecutionId: aws.String(id),
		RetryMode: types.StageRetryModeFailedActions}))
	if aws.ToString(out.PipelineExecutionId) != id {
		t.Fatalf("retry answered %s, want %s", aws.ToString(out.PipelineExecutionId), id)
	}
	work(t, c, buildID, map[string]string{"Project": "deploy"})
	waitExecution(t, c, "sw", id, types.PipelineExecutionStatusSucceeded)
	noJob(t, c, buildID, map[string]string{"Project": "app"})

	// An action that fails while stopping fails the stage; the execution
	// is still Stopped (E-5.1).
	next := putRevision(t, c, "sw", "r2")
	job = jobOf(t, c, buildID, map[string]string{"Project": "app"}, next)
	ackJob(t, c, job)
	if err := stopExecution(c, "sw", next, false, ""); err != nil {
		t.Fatal(err)
	}
	failJob(t, c, job, "broke while stopping")
	wantStatus(t, c, "sw", next, types.PipelineExecutionStatusStopped)
	waitStage(t, c, "sw", "Stage1", next, types.StageExecutionStatusFailed)

	wantAPIError(t, stopExecution(c, "sw", "11111111-2222-3333-4444-555555555555", false, ""), "PipelineExecutionNotFoundException")
	wantAPIError(t, stopExecution(c, "nope", id, false, ""), "PipelineNotFoundException")
}

// TestStopAndAbandon: abandoning marks in-progress actions Abandoned and
// stops at once (E-5.2), also after a stop-and-wait; the abandoned job can
// no longer report (J-2.9).
func TestStopAndAbandon(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "SASrc", "SABuild")
	id := createRun(t, c, buildPipeline("sa", "SASrc", "SABuild", types.ExecutionModeSuperseded))
	buildID := customID(types.ActionCategoryBuild, "SABuild")
	work(t, c, customID(types.ActionCategorySource, "SASrc"), nil)
	job := pollOne(t, c, buildID, map[string]string{"Project": "app"})
	ackJob(t, c, job)

	if err := stopExecution(c, "sa", id, false, "wait"); err != nil {
		t.Fatal(err)
	}
	if err := stopExecution(c, "sa", id, true, "abandon it"); err != nil { // E-5.2: abandon after stop-and-wait
		t.Fatalf("abandon after stop-and-wait: %v", err)
	}
	wantStatus(t, c, "sa", id, types.PipelineExecutionStatusStopped)
	if got := actionStatus(t, c, "sa", "Stage1", "Build"); got != types.ActionExecutionStatusAbandoned {
		t.Fatalf("build is %s, want Abandoned", got)
	}
	// Nothing failed: the stage was stopped (E-6.2).
	waitStage(t, c, "sa", "Stage1", id, types.StageExecutionStatusStopped)
	_, err := c.PutJobSuccessResult(context.Background(), &codepipeline.PutJobSuccessResultInput{JobId: job.Id})
	wantAPIError(t, err, "InvalidJobStateException")
	// The abandon finished the execution at once, so a second one finds
	// nothing to stop.
	wantAPIError(t, stopExecution(c, "sa", id, true, ""), "PipelineExecutionNotStoppableException")
	noJob(t, c, buildID, map[string]string{"Project": "deploy"})

	// E-5.4: the stage can be retried; the abandoned action runs again.
	if _, err := retryStage(c, "sa", "Stage1", id, types.StageRetryModeFailedActions); err != nil {
		t.Fatal(err)
	}
	work(t, c, buildID, map[string]string{"Project": "app"})
	work(t, c, buildID, map[string]string{"Project": "deploy"})
	waitExecution(t, c, "sa", id, types.PipelineExecutionStatusSucceeded)

	// A plain abandon, without a stop-and-wait first.
	next := putRevision(t, c, "sa", "r2")
	job = pollOne(t, c, buildID, map[string]string{"Project": "app"})
	if err := stopExecution(c, "sa", next, true, ""); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c, "sa", next, types.PipelineExecutionStatusStopped)
	out, err := c.AcknowledgeJob(context.Background(), &codepipeline.AcknowledgeJobInput{JobId: job.Id, Nonce: job.Nonce})
	if err != nil || out.Status == types.JobStatusInProgress {
		t.Fatalf("acknowledging an abandoned job: %v %v, want a status other than InProgress (J-2.4)", out, err)
	}
}

// TestStopWaitingExecution: a waiting execution can be stopped; it never
// enters the stage and cannot be retried (E-3.5, E-5.4).
func TestStopWaitingExecution(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "SWWSrc", "SWWBuild")
	first := createRun(t, c, approvalPipeline("sww", "SWWSrc", types.ExecutionModeQueued))
	work(t, c, customID(types.ActionCategorySource, "SWWSrc"), nil)
	waitStage(t, c, "sww", "Stage1", first, types.StageExecutionStatusInProgress)
	waiting := putRevision(t, c, "sww", "w1")
	after := putRevision(t, c, "sww", "w2")
	if err := stopExecution(c, "sww", waiting, false, "not this one"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c, "sww", waiting, types.PipelineExecutionStatusStopped)
	if all, _ := inboundIDs(t, c, "sww", "Stage1"); !slices.Equal(all, []string{after}) {
		t.Fatalf("inbound %v, want only %s", all, after)
	}
	approveIn(t, c, "sww", "Stage1", "Approve", first)
	waitStage(t, c, "sww", "Stage1", after, types.StageExecutionStatusInProgress)
	_, err := c.RetryStageExecution(context.Background(), &codepipeline.RetryStageExecutionInput{
		PipelineName: aws.String("sww"), StageName: aws.String("Stage1"), PipelineExecutionId: aws.String(waiting),
		RetryMode: types.StageRetryModeFailedActions})
	wantAPIError(t, err, "StageNotRetryableException")
	wantStatus(t, c, "sww", waiting, types.PipelineExecutionStatusStopped)
}

// TestApprovalResults: approve, reject and the errors of PutApprovalResult
//
func TestApprovalResults(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "ApSrc", "ApBuild")
	first := createRun(t, c, approvalPipeline("appr", "ApSrc", types.ExecutionModeSuperseded))
	work(t, c, customID(types.ActionCategorySource, "ApSrc"), nil)
	token := approvalToken(t, c, "appr", "Stage1", "Approve", first)

	wantAPIError(t, putApproval(c, "appr", "Stage1", "Approve", "11111111-2222-3333-4444-555555555555", types.ApprovalStatusApproved), "InvalidApprovalTokenException")
	wantAPIError(t, putApproval(c, "appr", "Nope", "Approve", token, types.ApprovalStatusApproved), "StageNotFoundException")
	wantAPIError(t, putApproval(c, "appr", "Stage1", "Nope", token, types.ApprovalStatusApproved), "ActionNotFoundException")
	wantAPIError(t, putApproval(c, "appr", "Source", "Fetch", token, types.ApprovalStatusApproved), "InvalidApprovalTokenException")
	wantAPIError(t, putApproval(c, "nope", "Stage1", "Approve", token, types.ApprovalStatusApproved), "PipelineNotFoundException")

	if err := putApproval(c, "appr", "Stage1", "Approve", token, types.ApprovalStatusRejected); err != nil {
		t.Fatal(err)
	}
	pe := wantStatus(t, c, "appr", first, types.PipelineExecutionStatusFailed)
	if !strings.Contains(aws.ToString(pe.StatusSummary), "rejected by test") {
		t.Errorf("summary %q does not carry the rejection", aws.ToString(pe.StatusSummary))
	}
	waitStage(t, c, "appr", "Stage1", first, types.StageExecutionStatusFailed)
	for _, a := range stageState(t, c, "appr", "Stage1").ActionStates {
		le := a.LatestExecution
		if le.Status != types.ActionExecutionStatusFailed || le.Token != nil || !strings.HasPrefix(aws.ToString(le.LastUpdatedBy), "arn:aws:") {
			t.Fatalf("rejected approval state %+v", le)
		}
	}
	wantAPIError(t, putApproval(c, "appr", "Stage1", "Approve", token, types.ApprovalStatusRejected), "ApprovalAlreadyCompletedException")
	wantAPIError(t, putApproval(c, "appr", "Stage1", "Approve", token, types.ApprovalStatusApproved), "ApprovalAlreadyCompletedException")

	// A new execution has a new token; the old one stays answered.
	second := putRevision(t, c, "appr", "a2")
	if next := approvalToken(t, c, "appr", "Stage1", "Approve", second); next == token {
		t.Fatal("the new approval reuses the old token")
	}
	wantAPIError(t, putApproval(c, "appr", "Stage1", "Approve", token, types.ApprovalStatusApproved), "ApprovalAlreadyCompletedException")
	approveIn(t, c, "appr", "Stage1", "Approve", second)
	wantStatus(t, c, "appr", second, types.PipelineExecutionStatusSucceeded)
}

// TestApprovalTimeout: an approval without timeoutInMinutes expires after
// the approval timeout and fails; its token is then invalid (A-5, A-6,
// E-2.5). One with timeoutInMinutes keeps its own, longer deadline.
func TestApprovalTimeout(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t, func(cfg *Config) { cfg.Timeouts.Approval = 500 * time.Millisecond }))
	setupTypes(t, c, "ATSrc", "ATBuild")
	long := approvalAction("Long", nil)
	long.TimeoutInMinutes = aws.Int32(60)
	p := flowPipeline("apto", "ATSrc", types.ExecutionModeSuperseded, []types.ActionDeclaration{approvalAction("Short", nil), long})
	id := createRun(t, c, p)
	work(t, c, customID(types.ActionCategorySource, "ATSrc"), nil)
	short := approvalToken(t, c, "apto", "Stage1", "Short", id)
	longToken := approvalToken(t, c, "apto", "Stage1", "Long", id)

	eventually(t, "the short approval to expire", func() bool {
		return actionStatus(t, c, "apto", "Stage1", "Short") == types.ActionExecutionStatusFailed
	})
	if got := actionStatus(t, c, "apto", "Stage1", "Long"); got != types.ActionExecutionStatusInProgress {
		t.Fatalf("the approval with timeoutInMinutes 60 is %s, want still InProgress", got)
	}
	wantStatus(t, c, "apto", id, types.PipelineExecutionStatusInProgress) // E-2.3: the group finishes first
	wantAPIError(t, putApproval(c, "apto", "Stage1", "Short", short, types.ApprovalStatusApproved), "InvalidApprovalTokenException")

	if err := putApproval(c, "apto", "Stage1", "Long", longToken, types.ApprovalStatusApproved); err != nil {
		t.Fatal(err)
	}
	pe := wantStatus(t, c, "apto", id, types.PipelineExecutionStatusFailed)
	if !strings.Contains(aws.ToString(pe.StatusSummary), "expired") {
		t.Errorf("summary %q does not say the approval expired", aws.ToString(pe.StatusSummary))
	}
}

// variablesPipeline declares Env (default dev) and the required Region,
// and builds with a message made of Env.
func variablesPipeline(name, src, build string) *types.PipelineDeclaration {
	b := buildAction("Build", build, "app", 1)
	b.Configuration["Message"] = "env=#{variables.Env}"
	p := flowPipeline(name, src, types.ExecutionModeParallel, []types.ActionDeclaration{b})
	p.Variables = []types.PipelineVariableDeclaration{
		{Name: aws.String("Env"), DefaultValue: aws.String("dev")},
		{Name: aws.String("Region")},
	}
	return p
}

// jobOf polls the build job of an execution.
func jobOf(t *testing.T, c *codepipeline.Client, id *types.ActionTypeId, query map[string]string, execID string) types.Job {
	t.Helper()
	job := pollOne(t, c, id, query)
	if got := aws.ToString(job.Data.PipelineContext.PipelineExecutionId); got != execID {
		t.Fatalf("polled a job of %s, want one of %s", got, execID)
	}
	return job
}

// TestStartPipelineExecutionOptions: clientRequestToken makes a start
// idempotent; variables take their defaults, required ones must be
// given, undeclared ones are refused, and resolved values are shown and
// usable as #{variables.NAME} (E-1.4, V-1, V-8); sourceRevisions must
// name a source action of the first stage (E-1.3).
func TestStartPipelineExecutionOptions(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "OptSrc", "OptBuild")
	srcID, buildID := customID(types.ActionCategorySource, "OptSrc"), customID(types.ActionCategoryBuild, "OptBuild")
	first := createRun(t, c, variablesPipeline("opts", "OptSrc", "OptBuild"))
	// V-8: an execution not started with values still has the defaults.
	work(t, c, srcID, nil)
	job := jobOf(t, c, buildID, map[string]string{"Project": "app"}, first)
	if got := job.Data.ActionConfiguration.Configuration["Message"]; got != "env=dev" {
		t.Fatalf("build of the creation's execution has Message %q, want env=dev", got)
	}
	ackJob(t, c, job)
	succeed(t, c, job, nil, nil)
	waitExecution(t, c, "opts", first, types.PipelineExecutionStatusSucceeded)

	start := func(in *codepipeline.StartPipelineExecutionInput) (string, error) {
		in.Name = aws.String("opts")
		out, err := c.StartPipelineExecution(ctx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.PipelineExecutionId), nil
	}
	vars := func(kv ...string) []types.PipelineVariable {
		var out []types.PipelineVariable
		for i := 0; i < len(kv); i += 2 {
			out = append(out, types.PipelineVariable{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return out
	}
	_, err := start(&codepipeline.StartPipelineExecutionInput{})
	wantAPIError(t, err, "ValidationException", "Region")
	_, err = start(&codepipeline.StartPipelineExecutionInput{Variables: vars("Region", "eu", "Colour", "red")})
	wantAPIError(t, err, "ValidationException", "Colour")
	_, err = start(&codepipeline.StartPipelineExecutionInput{Variables: vars("Region", "eu"), SourceRevisions: []types.SourceRevisionOverride{
		{ActionName: aws.String("Build"), RevisionType: types.SourceRevisionTypeCommitId, RevisionValue: aws.String("abc")}}})
	wantAPIError(t, err, "ValidationException")
	_, err = start(&codepipeline.StartPipelineExecutionInput{Variables: vars("Region", "eu"), SourceRevisions: []types.SourceRevisionOverride{
		{ActionName: aws.String("Nope"), RevisionType: types.SourceRevisionTypeCommitId, RevisionValue: aws.String("abc")}}})
	wantAPIError(t, err, "ValidationException")

	id, err := start(&codepipeline.StartPipelineExecutionInput{ClientRequestToken: aws.String("start-1"), Variables: vars("Region", "eu", "Env", "prod"),
		SourceRevisions: []types.SourceRevisionOverride{{ActionName: aws.String("Fetch"), RevisionType: types.SourceRevisionTypeCommitId, RevisionValue: aws.String("abc")}}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := start(&codepipeline.StartPipelineExecutionInput{ClientRequestToken: aws.String("start-1"), Variables: vars("Region", "eu", "Env", "prod")})
	if err != nil || again != id {
		t.Fatalf("same clientRequestToken started %s (%v), want %s back", again, err, id)
	}
	list := must[*codepipeline.ListPipelineExecutionsOutput](t)(c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("opts")}))
	if len(list.PipelineExecutionSummaries) != 2 {
		t.Fatalf("%d executions, want 2: the token must not start a second one", len(list.PipelineExecutionSummaries))
	}
	pe := getExecution(t, c, "opts", id)
	got := map[string]string{}
	for _, v := range pe.Variables {
		got[aws.ToString(v.Name)] = aws.ToString(v.ResolvedValue)
	}
	if len(got) != 2 || got["Env"] != "prod" || got["Region"] != "eu" || pe.Trigger.TriggerType != types.TriggerTypeStartPipelineExecution {
		t.Fatalf("execution variables %v trigger %+v", got, pe.Trigger)
	}
	work(t, c, srcID, nil)
	job = jobOf(t, c, buildID, map[string]string{"Project": "app"}, id)
	if got := job.Data.ActionConfiguration.Configuration["Message"]; got != "env=prod" {
		t.Fatalf("build Message %q, want env=prod", got)
	}
	other, err := start(&codepipeline.StartPipelineExecutionInput{Variables: vars("Region", "us")})
	if err != nil || other == id {
		t.Fatalf("start without a token: %s %v", other, err)
	}
	for _, v := range getExecution(t, c, "opts", other).Variables {
		if aws.ToString(v.Name) == "Env" && aws.ToString(v.ResolvedValue) != "dev" {
			t.Fatalf("Env resolved to %q, want its default dev", aws.ToString(v.ResolvedValue))
		}
	}
}

// TestUnresolvedVariable: a reference that does not resolve fails the
// action with the documented message (V-5).
func TestUnresolvedVariable(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "UVSrc", "UVBuild")
	b := buildAction("Build", "UVBuild", "app", 1)
	b.Configuration["Message"] = "commit #{SourceVars.CommitId}"
	id := createRun(t, c, flowPipeline("unres", "UVSrc", types.ExecutionModeSuperseded, []types.ActionDeclaration{b}))
	work(t, c, customID(types.ActionCategorySource, "UVSrc"), nil) // no CommitId output variable
	pe := waitExecution(t, c, "unres", id, types.PipelineExecutionStatusFailed)
	const want = "An action in this pipeline failed because one or more variables could not be resolved: Action name=Build"
	if !strings.HasPrefix(aws.ToString(pe.StatusSummary), want) {
		t.Fatalf("summary %q, want it to start with %q", aws.ToString(pe.StatusSummary), want)
	}
	st := stageState(t, c, "unres", "Stage1").ActionStates[0].LatestExecution
	if st.Status != types.ActionExecutionStatusFailed || st.ErrorDetails == nil || !strings.HasPrefix(aws.ToString(st.ErrorDetails.Message), want) {
		t.Fatalf("build state %+v", st)
	}
	noJob(t, c, customID(types.ActionCategoryBuild, "UVBuild"), map[string]string{"Project": "app"})
}

// TestPutActionRevision: a new revision starts an execution in which the
// source action succeeds at once with it; the same revision again starts
// nothing (§2.1).
func TestPutActionRevision(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "PRSrc", "PRBuild")
	createRun(t, c, flowPipeline("par-rev", "PRSrc", types.ExecutionModeParallel, []types.ActionDeclaration{buildAction("Build", "PRBuild", "app", 1)}))
	in := &codepipeline.PutActionRevisionInput{
		PipelineName: aws.String("par-rev"), StageName: aws.String("Source"), ActionName: aws.String("Fetch"),
		ActionRevision: &types.ActionRevision{RevisionId: aws.String("rev-1"), RevisionChangeId: aws.String("chg-1"), Created: aws.Time(time.Now())},
	}
	out := must[*codepipeline.PutActionRevisionOutput](t)(c.PutActionRevision(ctx, in))
	id := aws.ToString(out.PipelineExecutionId)
	if !out.NewRevision || id == "" {
		t.Fatalf("first put: %+v", out)
	}
	again := must[*codepipeline.PutActionRevisionOutput](t)(c.PutActionRevision(ctx, in))
	if again.NewRevision || aws.ToString(again.PipelineExecutionId) != id {
		t.Fatalf("second put of the same revision: %+v, want newRevision false and %s", again, id)
	}
	list := must[*codepipeline.ListPipelineExecutionsOutput](t)(c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("par-rev")}))
	if len(list.PipelineExecutionSummaries) != 2 {
		t.Fatalf("%d executions, want the creation's and one more", len(list.PipelineExecutionSummaries))
	}
	pe := getExecution(t, c, "par-rev", id)
	if pe.Trigger.TriggerType != types.TriggerTypePutActionRevision || len(pe.ArtifactRevisions) != 1 ||
		aws.ToString(pe.ArtifactRevisions[0].RevisionId) != "rev-1" || aws.ToString(pe.ArtifactRevisions[0].Name) != "Src" {
		t.Fatalf("execution %+v %+v", pe.Trigger, pe.ArtifactRevisions)
	}
	job := jobOf(t, c, customID(types.ActionCategoryBuild, "PRBuild"), map[string]string{"Project": "app"}, id)
	if aws.ToString(job.Data.InputArtifacts[0].Revision) != "rev-1" {
		t.Fatalf("build input revision %q, want rev-1", aws.ToString(job.Data.InputArtifacts[0].Revision))
	}
	actions := must[*codepipeline.ListActionExecutionsOutput](t)(c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{
		PipelineName: aws.String("par-rev"), Filter: &types.ActionExecutionFilter{PipelineExecutionId: aws.String(id)}}))
	if n := len(actions.ActionExecutionDetails); n != 2 || aws.ToString(actions.ActionExecutionDetails[1].ActionName) != "Fetch" ||
		actions.ActionExecutionDetails[1].Status != types.ActionExecutionStatusSucceeded {
		t.Fatalf("action executions %+v", actions.ActionExecutionDetails)
	}

	in.ActionName = aws.String("Nope")
	_, err := c.PutActionRevision(ctx, in)
	wantAPIError(t, err, "ActionNotFoundException")
	in.ActionName, in.StageName = aws.String("Build"), aws.String("Stage1")
	_, err = c.PutActionRevision(ctx, in)
	wantAPIError(t, err, "ValidationException")
}

// TestHistoryListings: ListPipelineExecutions and ListActionExecutions
// list newest first, page with nextToken, filter, and refuse bad tokens
// and unknown names (E-6.5, E-6.6).
func TestHistoryListings(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "HSrc", "HBuild")
	buildID := customID(types.ActionCategoryBuild, "HBuild")
	ids := []string{createRun(t, c, flowPipeline("hist", "HSrc", types.ExecutionModeParallel, []types.ActionDeclaration{buildAction("Build", "HBuild", "app", 1)}))}
	for _, rev := range []string{"h1", "h2", "h3", "h4"} {
		ids = append(ids, putRevision(t, c, "hist", rev))
	}
	done := map[string]bool{ids[1]: true, ids[3]: true}
	n := 0
	eventually(t, "the builds of "+ids[1]+" and "+ids[3], func() bool {
		out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: buildID, QueryParam: map[string]string{"Project": "app"}, MaxBatchSize: aws.Int32(10)})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range out.Jobs {
			if done[aws.ToString(j.Data.PipelineContext.PipelineExecutionId)] {
				ackJob(t, c, j)
				succeed(t, c, j, nil, nil)
				n++
			}
		}
		return n == 2
	})
	waitExecution(t, c, "hist", ids[1], types.PipelineExecutionStatusSucceeded)
	waitExecution(t, c, "hist", ids[3], types.PipelineExecutionStatusSucceeded)

	var paged []string
	var token *string
	for {
		out, err := c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("hist"), MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.PipelineExecutionSummaries) > 2 {
			t.Fatalf("page of %d, want at most 2", len(out.PipelineExecutionSummaries))
		}
		for _, s := range out.PipelineExecutionSummaries {
			paged = append(paged, aws.ToString(s.PipelineExecutionId))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)
	if !slices.Equal(paged, newestFirst) {
		t.Fatalf("paged executions %v, want newest first %v", paged, newestFirst)
	}
	filtered := must[*codepipeline.ListPipelineExecutionsOutput](t)(c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{
		PipelineName: aws.String("hist"), Filter: &types.PipelineExecutionFilter{SucceededInStage: &types.SucceededInStageFilter{StageName: aws.String("Stage1")}}}))
	var succeededIDs []string
	for _, s := range filtered.PipelineExecutionSummaries {
		succeededIDs = append(succeededIDs, aws.ToString(s.PipelineExecutionId))
	}
	if !slices.Equal(succeededIDs, []string{ids[3], ids[1]}) {
		t.Fatalf("succeeded in Stage1: %v, want %v", succeededIDs, []string{ids[3], ids[1]})
	}

	all := must[*codepipeline.ListActionExecutionsOutput](t)(c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("hist")}))
	if n := len(all.ActionExecutionDetails); n != 9 { // 5 Fetch runs, 4 Build runs
		t.Fatalf("%d action executions, want 9", n)
	}
	var pagedActions []string
	token = nil
	for {
		out, err := c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("hist"), MaxResults: aws.Int32(4), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.ActionExecutionDetails {
			pagedActions = append(pagedActions, aws.ToString(d.ActionExecutionId))
		}
		if token = out.NextToken; token == nil {
			break
		}
		// A token of one list is no token of the other.
		_, err = c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("hist"), NextToken: token})
		wantAPIError(t, err, "InvalidNextTokenException")
	}
	for i, d := range all.ActionExecutionDetails {
		if pagedActions[i] != aws.ToString(d.ActionExecutionId) {
			t.Fatalf("paged action executions %v differ from the full list", pagedActions)
		}
		if i > 0 && d.StartTime.After(*all.ActionExecutionDetails[i-1].StartTime) {
			t.Fatalf("action executions not newest first at %d", i)
		}
	}
	one := must[*codepipeline.ListActionExecutionsOutput](t)(c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{
		PipelineName: aws.String("hist"), Filter: &types.ActionExecutionFilter{PipelineExecutionId: aws.String(ids[3])}}))
	if n := len(one.ActionExecutionDetails); n != 2 || aws.ToString(one.ActionExecutionDetails[0].ActionName) != "Build" ||
		aws.ToString(one.ActionExecutionDetails[1].ActionName) != "Fetch" {
		t.Fatalf("actions of %s: %+v", ids[3], one.ActionExecutionDetails)
	}

	_, err := c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("hist"), NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidNextTokenException")
	_, err = c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("hist"), NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidNextTokenException")
	_, err = c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("hist"),
		Filter: &types.ActionExecutionFilter{PipelineExecutionId: aws.String("11111111-2222-3333-4444-555555555555")}})
	wantAPIError(t, err, "PipelineExecutionNotFoundException")
	_, err = c.GetPipelineExecution(ctx, &codepipeline.GetPipelineExecutionInput{PipelineName: aws.String("hist"), PipelineExecutionId: aws.String("11111111-2222-3333-4444-555555555555")})
	wantAPIError(t, err, "PipelineExecutionNotFoundException")
	_, err = c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("nope")})
	wantAPIError(t, err, "PipelineNotFoundException")
	_, err = c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("nope")})
	wantAPIError(t, err, "PipelineNotFoundException")
	_, err = c.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String("nope")})
	wantAPIError(t, err, "PipelineNotFoundException")
}
