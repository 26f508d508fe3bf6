package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// Tests of RetryStageExecution, automatic retry and
// RollbackStage.

// retryStage retries a stage of an execution.
func retryStage(c *codepipeline.Client, pipeline, stage, id string, mode types.StageRetryMode) (string, error) {
	out, err := c.RetryStageExecution(context.Background(), &codepipeline.RetryStageExecutionInput{
		PipelineName: aws.String(pipeline), StageName: aws.String(stage), PipelineExecutionId: aws.String(id), RetryMode: mode})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.PipelineExecutionId), nil
}

// failJob reports a job failed.
func failJob(t *testing.T, c *codepipeline.Client, job types.Job, msg string) {
	t.Helper()
	_, err := c.PutJobFailureResult(context.Background(), &codepipeline.PutJobFailureResultInput{JobId: job.Id,
		FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String(msg)}})
	if err != nil {
		t.Fatalf("put failure: %v", err)
	}
}

// twinPipeline is Source -> Stage1 (BuildA and BuildB together, then
// BuildC) -> Stage2 (Deploy), all of one build type.
func twinPipeline(name, src, build string) *types.PipelineDeclaration {
	return flowPipeline(name, src, types.ExecutionModeSuperseded,
		[]types.ActionDeclaration{buildAction("BuildA", build, "a", 1), buildAction("BuildB", build, "b", 1), buildAction("BuildC", build, "c", 2)},
		[]types.ActionDeclaration{buildAction("Deploy", build, "deploy", 1)})
}

// actionRuns counts the runs of each action of an execution.
func actionRuns(t *testing.T, c *codepipeline.Client, pipeline, id string) map[string][]types.ActionExecutionStatus {
	t.Helper()
	out := must[*codepipeline.ListActionExecutionsOutput](t)(c.ListActionExecutions(context.Background(), &codepipeline.ListActionExecutionsInput{
		PipelineName: aws.String(pipeline), Filter: &types.ActionExecutionFilter{PipelineExecutionId: aws.String(id)}}))
	runs := map[string][]types.ActionExecutionStatus{}
	for _, d := range out.ActionExecutionDetails {
		runs[aws.ToString(d.ActionName)] = append(runs[aws.ToString(d.ActionName)], d.Status)
	}
	return runs
}

// wantRetries checks a stage's retryStageMetadata.
func wantRetries(t *testing.T, c *codepipeline.Client, pipeline, stage string, auto, manual int32, trigger types.RetryTrigger) {
	t.Helper()
	m := stageState(t, c, pipeline, stage).RetryStageMetadata
	if m == nil || aws.ToInt32(m.AutoStageRetryAttempt) != auto || aws.ToInt32(m.ManualStageRetryAttempt) != manual || m.LatestRetryTrigger != trigger {
		t.Fatalf("retry metadata of %s = %+v, want auto %d manual %d %s", stage, m, auto, manual, trigger)
	}
}

// TestRetryFailedActions: a failure waits for the rest of its group
// (E-2.3); FAILED_ACTIONS re-runs only the failed action in the same
// execution, which then goes on.
func TestRetryFailedActions(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "RFSrc", "RFBuild")
	buildID := customID(types.ActionCategoryBuild, "RFBuild")
	id := createRun(t, c, twinPipeline("rf", "RFSrc", "RFBuild"))
	work(t, c, customID(types.ActionCategorySource, "RFSrc"), nil)
	a := pollOne(t, c, buildID, map[string]string{"Project": "a"})
	b := pollOne(t, c, buildID, map[string]string{"Project": "b"})
	ackJob(t, c, a)
	ackJob(t, c, b)
	failJob(t, c, a, "tests failed")
	wantStatus(t, c, "rf", id, types.PipelineExecutionStatusInProgress) // BuildB still runs
	succeed(t, c, b, nil, nil)
	pe := wantStatus(t, c, "rf", id, types.PipelineExecutionStatusFailed)
	if aws.ToString(pe.StatusSummary) != "tests failed" {
		t.Errorf("summary %q", aws.ToString(pe.StatusSummary))
	}
	waitStage(t, c, "rf", "Stage1", id, types.StageExecutionStatusFailed)
	noJob(t, c, buildID, map[string]string{"Project": "c"})

	got, err := retryStage(c, "rf", "Stage1", id, types.StageRetryModeFailedActions)
	if err != nil || got != id {
		t.Fatalf("retry: %s %v, want the same execution %s", got, err, id)
	}
	wantStatus(t, c, "rf", id, types.PipelineExecutionStatusInProgress)
	waitStage(t, c, "rf", "Stage1", id, types.StageExecutionStatusInProgress)
	wantRetries(t, c, "rf", "Stage1", 0, 1, types.RetryTriggerManualStageRetry)
	noJob(t, c, buildID, map[string]string{"Project": "b"}) // BuildB succeeded: not re-run
	work(t, c, buildID, map[string]string{"Project": "a"})
	work(t, c, buildID, map[string]string{"Project": "c"})
	work(t, c, buildID, map[string]string{"Project": "deploy"})
	waitExecution(t, c, "rf", id, types.PipelineExecutionStatusSucceeded)
	runs := actionRuns(t, c, "rf", id)
	if len(runs["BuildA"]) != 2 || runs["BuildA"][0] != types.ActionExecutionStatusSucceeded || runs["BuildA"][1] != types.ActionExecutionStatusFailed ||
		len(runs["BuildB"]) != 1 || len(runs["BuildC"]) != 1 {
		t.Fatalf("action runs %v: want BuildA twice (history kept, R-1.4), the others once", runs)
	}
}

// TestRetryAllActions: ALL_ACTIONS re-runs every action of the stage from
// the first runOrder.
func TestRetryAllActions(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "RASrc", "RABuild")
	buildID := customID(types.ActionCategoryBuild, "RABuild")
	id := createRun(t, c, twinPipeline("ra", "RASrc", "RABuild"))
	work(t, c, customID(types.ActionCategorySource, "RASrc"), nil)
	work(t, c, buildID, map[string]string{"Project": "a"})
	work(t, c, buildID, map[string]string{"Project": "b"})
	c1 := pollOne(t, c, buildID, map[string]string{"Project": "c"})
	ackJob(t, c, c1)
	failJob(t, c, c1, "packaging failed")
	waitExecution(t, c, "ra", id, types.PipelineExecutionStatusFailed)

	if _, err := retryStage(c, "ra", "Stage1", id, types.StageRetryModeAllActions); err != nil {
		t.Fatal(err)
	}
	noJob(t, c, buildID, map[string]string{"Project": "c"}) // runOrder 2 waits for the first group again
	work(t, c, buildID, map[string]string{"Project": "a"})
	work(t, c, buildID, map[string]string{"Project": "b"})
	work(t, c, buildID, map[string]string{"Project": "c"})
	work(t, c, buildID, map[string]string{"Project": "deploy"})
	waitExecution(t, c, "ra", id, types.PipelineExecutionStatusSucceeded)
	runs := actionRuns(t, c, "ra", id)
	if len(runs["BuildA"]) != 2 || len(runs["BuildB"]) != 2 || len(runs["BuildC"]) != 2 || len(runs["Deploy"]) != 1 {
		t.Fatalf("action runs %v, want every Stage1 action twice", runs)
	}
}

// TestRetryErrors: what cannot be retried (R-1.1, R-1.6, E-4.3).
func TestRetryErrors(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "RESrc", "REBuild")
	srcID, buildID := customID(types.ActionCategorySource, "RESrc"), customID(types.ActionCategoryBuild, "REBuild")
	p := buildPipeline("re", "RESrc", "REBuild", types.ExecutionModeSuperseded)
	first := createRun(t, c, p)
	work(t, c, srcID, nil)

	_, err := retryStage(c, "re", "Stage1", first, types.StageRetryModeFailedActions)
	wantAPIError(t, err, "StageNotRetryableException") // still running
	_, err = retryStage(c, "re", "Source", first, types.StageRetryModeFailedActions)
	wantAPIError(t, err, "StageNotRetryableException") // succeeded
	_, err = retryStage(c, "re", "Nope", first, types.StageRetryModeFailedActions)
	wantAPIError(t, err, "StageNotFoundException")
	_, err = retryStage(c, "nope", "Stage1", first, types.StageRetryModeFailedActions)
	wantAPIError(t, err, "PipelineNotFoundException")
	_, err = retryStage(c, "re", "Stage1", "11111111-2222-3333-4444-555555555555", types.StageRetryModeFailedActions)
	wantAPIError(t, err, "PipelineExecutionNotFoundException")

	job := pollOne(t, c, buildID, map[string]string{"Project": "app"})
	ackJob(t, c, job)
	failJob(t, c, job, "broken")
	waitExecution(t, c, "re", first, types.PipelineExecutionStatusFailed)
	_, err = retryStage(c, "re", "Stage2", first, types.StageRetryModeFailedActions)
	wantAPIError(t, err, "StageNotRetryableException") // never ran Stage2

	// E-4.3: a newer execution entered the failed stage.
	second := putRevision(t, c, "re", "r2")
	waitStage(t, c, "re", "Stage1", second, types.StageExecutionStatusInProgress)
	_, err = retryStage(c, "re", "Stage1", first, types.StageRetryModeFailedActions)
	wantAPIError(t, err, "NotLatestPipelineExecutionException")
	job = jobOf(t, c, buildID, map[string]string{"Project": "app"}, second)
	ackJob(t, c, job)
	failJob(t, c, job, "broken again")
	waitExecution(t, c, "re", second, types.PipelineExecutionStatusFailed)

	// the pipeline was updated since the failure.
	p.Stages[1].Actions[0].Configuration["Message"] = "v2"
	updatePipeline(t, c, p)
	_, err = retryStage(c, "re", "Stage1", second, types.StageRetryModeFailedActions)
	wantAPIError(t, err, "StageNotRetryableException")
	wantStatus(t, c, "re", second, types.PipelineExecutionStatusFailed)
}

// TestAutomaticRetry: onFailure RETRY retries a failed stage once by
// itself; if that fails too the stage stays Failed and can be retried by
// hand.
func TestAutomaticRetry(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "ARSrc", "ARBuild")
	buildID := customID(types.ActionCategoryBuild, "ARBuild")
	p := twinPipeline("auto", "ARSrc", "ARBuild")
	p.Stages[1].OnFailure = &types.FailureConditions{Result: types.ResultRetry,
		RetryConfiguration: &types.RetryConfiguration{RetryMode: types.StageRetryModeFailedActions}}
	id := createRun(t, c, p)
	work(t, c, customID(types.ActionCategorySource, "ARSrc"), nil)
	work(t, c, buildID, map[string]string{"Project": "b"})
	a := pollOne(t, c, buildID, map[string]string{"Project": "a"})
	ackJob(t, c, a)
	failJob(t, c, a, "flaky")

	wantStatus(t, c, "auto", id, types.PipelineExecutionStatusInProgress)
	waitStage(t, c, "auto", "Stage1", id, types.StageExecutionStatusInProgress)
	wantRetries(t, c, "auto", "Stage1", 1, 0, types.RetryTriggerAutomatedStageRetry)
	noJob(t, c, buildID, map[string]string{"Project": "b"})
	a = pollOne(t, c, buildID, map[string]string{"Project": "a"})
	ackJob(t, c, a)
	failJob(t, c, a, "flaky again")
	waitExecution(t, c, "auto", id, types.PipelineExecutionStatusFailed)
	waitStage(t, c, "auto", "Stage1", id, types.StageExecutionStatusFailed)
	wantRetries(t, c, "auto", "Stage1", 1, 0, types.RetryTriggerAutomatedStageRetry)

	if _, err := retryStage(c, "auto", "Stage1", id, types.StageRetryModeFailedActions); err != nil {
		t.Fatal(err)
	}
	wantRetries(t, c, "auto", "Stage1", 1, 1, types.RetryTriggerManualStageRetry)
	work(t, c, buildID, map[string]string{"Project": "a"})
	work(t, c, buildID, map[string]string{"Project": "c"})
	work(t, c, buildID, map[string]string{"Project": "deploy"})
	waitExecution(t, c, "auto", id, types.PipelineExecutionStatusSucceeded)
}

// rollbackPipeline is Source -> Stage1 (Build, namespace BuildVars, output
// Bin) -> Stage2 (Deploy of Bin, with a message from BuildVars and from a
// pipeline variable).
func rollbackPipeline(name, src, build string, mode types.ExecutionMode) *types.PipelineDeclaration {
	b := buildAction("Build", build, "app", 1)
	b.Namespace = aws.String("BuildVars")
	b.OutputArtifacts = []types.OutputArtifact{{Name: aws.String("Bin")}}
	d := buildAction("Deploy", build, "deploy", 1)
	d.InputArtifacts = []types.InputArtifact{{Name: aws.String("Bin")}}
	d.Configuration["Message"] = "#{BuildVars.Version}-#{variables.Env}"
	p := flowPipeline(name, src, mode, []types.ActionDeclaration{b}, []types.ActionDeclaration{d})
	p.Variables = []types.PipelineVariableDeclaration{{Name: aws.String("Env"), DefaultValue: aws.String("dev")}}
	return p
}

// runThrough works an execution of rollbackPipeline to Succeeded, its
// build producing Version, and returns its deploy job.
func runThrough(t *testing.T, c *codepipeline.Client, pipeline, src, build, id, version string, withSource bool) types.Job {
	t.Helper()
	buildID := customID(types.ActionCategoryBuild, build)
	if withSource {
		job := pollOne(t, c, customID(types.ActionCategorySource, src), nil)
		ackJob(t, c, job)
		succeed(t, c, job, nil, &types.CurrentRevision{Revision: aws.String("src-" + version), ChangeIdentifier: aws.String("c")})
	}
	job := jobOf(t, c, buildID, map[string]string{"Project": "app"}, id)
	ackJob(t, c, job)
	succeed(t, c, job, map[string]string{"Version": version}, nil)
	deploy := jobOf(t, c, buildID, map[string]string{"Project": "deploy"}, id)
	ackJob(t, c, deploy)
	succeed(t, c, deploy, nil, nil)
	waitExecution(t, c, pipeline, id, types.PipelineExecutionStatusSucceeded)
	return deploy
}

// rollbackTo rolls a stage back to a target execution and returns the new one.
func rollbackTo(c *codepipeline.Client, pipeline, stage, target string) (string, error) {
	out, err := c.RollbackStage(context.Background(), &codepipeline.RollbackStageInput{PipelineName: aws.String(pipeline),
		StageName: aws.String(stage), TargetPipelineExecutionId: aws.String(target)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.PipelineExecutionId), nil
}

// TestRollbackStage: a rollback is a new ROLLBACK execution that runs only
// its stage, with the target's artifacts and variables (R-3.1, R-3.2, V-8).
func TestRollbackStage(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "RBSrc", "RBBuild")
	buildID := customID(types.ActionCategoryBuild, "RBBuild")
	first := createRun(t, c, rollbackPipeline("rb", "RBSrc", "RBBuild", types.ExecutionModeSuperseded))
	oldDeploy := runThrough(t, c, "rb", "RBSrc", "RBBuild", first, "v1", true)
	if got := oldDeploy.Data.ActionConfiguration.Configuration["Message"]; got != "v1-dev" {
		t.Fatalf("first deploy Message %q", got)
	}
	start := must[*codepipeline.StartPipelineExecutionOutput](t)(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{
		Name: aws.String("rb"), Variables: []types.PipelineVariable{{Name: aws.String("Env"), Value: aws.String("prod")}}}))
	second := aws.ToString(start.PipelineExecutionId)
	runThrough(t, c, "rb", "RBSrc", "RBBuild", second, "v2", true)

	id, err := rollbackTo(c, "rb", "Stage2", first)
	if err != nil || id == first || id == second {
		t.Fatalf("rollback: %s %v, want a new execution", id, err)
	}
	pe := getExecution(t, c, "rb", id)
	if pe.ExecutionType != types.ExecutionTypeRollback || pe.Trigger.TriggerType != types.TriggerTypeManualRollback ||
		!strings.HasPrefix(aws.ToString(pe.Trigger.TriggerDetail), "arn:aws:") || pe.RollbackMetadata == nil ||
		aws.ToString(pe.RollbackMetadata.RollbackTargetPipelineExecutionId) != first {
		t.Fatalf("rollback execution %+v trigger %+v metadata %+v", pe, pe.Trigger, pe.RollbackMetadata)
	}
	if len(pe.ArtifactRevisions) != 1 || aws.ToString(pe.ArtifactRevisions[0].RevisionId) != "src-v1" {
		t.Fatalf("rollback artifact revisions %+v, want the target's", pe.ArtifactRevisions)
	}
	if len(pe.Variables) != 1 || aws.ToString(pe.Variables[0].ResolvedValue) != "dev" {
		t.Fatalf("rollback variables %+v, want the target's Env=dev", pe.Variables)
	}
	deploy := jobOf(t, c, buildID, map[string]string{"Project": "deploy"}, id)
	if got := deploy.Data.ActionConfiguration.Configuration["Message"]; got != "v1-dev" {
		t.Fatalf("rollback deploy Message %q, want the target's v1-dev", got)
	}
	in, old := deploy.Data.InputArtifacts[0].Location.S3Location, oldDeploy.Data.InputArtifacts[0].Location.S3Location
	if aws.ToString(in.ObjectKey) != aws.ToString(old.ObjectKey) || aws.ToString(in.BucketName) != aws.ToString(old.BucketName) {
		t.Fatalf("rollback deploys %v, want the target's artifact %v", in, old)
	}
	st := stageState(t, c, "rb", "Stage2")
	if aws.ToString(st.LatestExecution.PipelineExecutionId) != id || st.LatestExecution.Type != types.ExecutionTypeRollback {
		t.Fatalf("Stage2 latest %+v, want the rollback", st.LatestExecution)
	}
	// the stage is running.
	_, err = rollbackTo(c, "rb", "Stage2", second)
	wantAPIError(t, err, "UnableToRollbackStageException")
	ackJob(t, c, deploy)
	succeed(t, c, deploy, nil, nil)
	waitExecution(t, c, "rb", id, types.PipelineExecutionStatusSucceeded)
	if runs := actionRuns(t, c, "rb", id); len(runs) != 1 || len(runs["Deploy"]) != 1 {
		t.Fatalf("rollback ran %v, want only Deploy", runs)
	}
	if st := stageState(t, c, "rb", "Stage1"); aws.ToString(st.LatestExecution.PipelineExecutionId) != second {
		t.Fatalf("Stage1 latest %+v, want %s untouched", st.LatestExecution, second)
	}
	noJob(t, c, buildID, map[string]string{"Project": "app"})
}

// TestRollbackErrors: which targets and stages cannot be rolled back
// (R-3.3, R-3.4, R-3.5, E-4.9).
func TestRollbackErrors(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	setupTypes(t, c, "RXSrc", "RXBuild")
	buildID := customID(types.ActionCategoryBuild, "RXBuild")
	p := rollbackPipeline("rx", "RXSrc", "RXBuild", types.ExecutionModeSuperseded)
	first := createRun(t, c, p)
	runThrough(t, c, "rx", "RXSrc", "RXBuild", first, "v1", true)
	back, err := rollbackTo(c, "rx", "Stage2", first)
	if err != nil {
		t.Fatal(err)
	}
	work(t, c, buildID, map[string]string{"Project": "deploy"})
	waitExecution(t, c, "rx", back, types.PipelineExecutionStatusSucceeded)

	_, err = rollbackTo(c, "rx", "Source", first)
	wantAPIError(t, err, "UnableToRollbackStageException")
	_, err = rollbackTo(c, "rx", "Stage2", back)
	wantAPIError(t, err, "UnableToRollbackStageException") // a rollback is no target
	_, err = rollbackTo(c, "rx", "Stage2", "11111111-2222-3333-4444-555555555555")
	wantAPIError(t, err, "PipelineExecutionNotFoundException")
	_, err = rollbackTo(c, "rx", "Nope", first)
	wantAPIError(t, err, "StageNotFoundException")
	_, err = rollbackTo(c, "nope", "Stage2", first)
	wantAPIError(t, err, "PipelineNotFoundException")

	failed := putRevision(t, c, "rx", "r2")
	job := jobOf(t, c, buildID, map[string]string{"Project": "app"}, failed)
	ackJob(t, c, job)
	failJob(t, c, job, "broken")
	waitExecution(t, c, "rx", failed, types.PipelineExecutionStatusFailed)
	_, err = rollbackTo(c, "rx", "Stage1", failed)
	wantAPIError(t, err, "UnableToRollbackStageException") // did not succeed in Stage1
	_, err = rollbackTo(c, "rx", "Stage2", failed)
	wantAPIError(t, err, "UnableToRollbackStageException") // never ran Stage2

	p.Stages[2].Actions[0].Configuration["Token"] = "x"
	updatePipeline(t, c, p)
	_, err = rollbackTo(c, "rx", "Stage2", first)
	wantAPIError(t, err, "PipelineExecutionOutdatedException")
}
