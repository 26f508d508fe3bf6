package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// TestExecutionEndToEnd runs a pipeline from its creation to Succeeded: a
// custom source worked by a job worker, a build group then a manual
// approval (E-2.2), and a deploy whose configuration references the
// source's output variables (V-1, V-4).
func TestExecutionEndToEnd(t *testing.T) {
	m := MustOpen(t)
	c := newClient(m)
	ctx := context.Background()
	setupTypes(t, c, "Fetcher", "Builder")
	deploy := buildAction("Deploy", "Builder", "deploy", 1)
	deploy.Configuration["Message"] = "#{SourceVars.CommitId} in #{codepipeline.PipelineExecutionId}"
	deploy.Configuration["Token"] = "s3cret"
	p := flowPipeline("e2e", "Fetcher", types.ExecutionModeSuperseded,
		[]types.ActionDeclaration{buildAction("Build", "Builder", "app", 1),
			approvalAction("Approve", map[string]string{"CustomData": "please look", "ExternalEntityLink": "https://review.example.com/1"})},
		[]types.ActionDeclaration{deploy},
	)
	p.Stages[1].Actions[1].RunOrder = aws.Int32(2)
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}))
	id := latestExecution(t, c, "e2e") // §2.1: creating a pipeline starts it

	src := pollOne(t, c, customID(types.ActionCategorySource, "Fetcher"), nil)
	if got := aws.ToString(src.Data.PipelineContext.PipelineExecutionId); got != id {
		t.Fatalf("source job of execution %s, want %s", got, id)
	}
	ackJob(t, c, src)
	succeed(t, c, src, map[string]string{"CommitId": "abc123"}, &types.CurrentRevision{
		Revision: aws.String("abc123"), ChangeIdentifier: aws.String("change-1"), RevisionSummary: aws.String("fix the thing")})

	build := pollOne(t, c, customID(types.ActionCategoryBuild, "Builder"), map[string]string{"Project": "app"})
	in, out := build.Data.InputArtifacts[0], src.Data.OutputArtifacts[0]
	if aws.ToString(in.Location.S3Location.ObjectKey) != aws.ToString(out.Location.S3Location.ObjectKey) || aws.ToString(in.Revision) != "abc123" {
		t.Fatalf("build input %+v is not the source output %+v", in.Location.S3Location, out.Location.S3Location)
	}
	if !strings.HasPrefix(aws.ToString(out.Location.S3Location.ObjectKey), "e2e/Src/") || aws.ToString(out.Location.S3Location.BucketName) != "artifacts" {
		t.Fatalf("artifact location %+v does not follow AR-2", out.Location.S3Location)
	}
	ackJob(t, c, build)
	succeed(t, c, build, nil, nil)

	var token string
	eventually(t, "the approval token (A-2)", func() bool {
		for _, a := range stageState(t, c, "e2e", "Stage1").ActionStates {
			if aws.ToString(a.ActionName) == "Approve" && a.LatestExecution != nil && a.LatestExecution.Token != nil {
				token = aws.ToString(a.LatestExecution.Token)
				if aws.ToString(a.LatestExecution.Summary) != "please look" || aws.ToString(a.EntityUrl) != "https://review.example.com/1" {
					t.Errorf("approval state %+v, want CustomData and ExternalEntityLink shown", a)
				}
			}
		}
		return token != ""
	})
	approve := &codepipeline.PutApprovalResultInput{PipelineName: aws.String("e2e"), StageName: aws.String("Stage1"),
		ActionName: aws.String("Approve"), Token: aws.String(token),
		Result: &types.ApprovalResult{Status: types.ApprovalStatusApproved, Summary: aws.String("looks good")}}
	if out, err := c.PutApprovalResult(ctx, approve); err != nil || out.ApprovedAt == nil {
		t.Fatalf("approve: %v %v", out, err)
	}
	_, err := c.PutApprovalResult(ctx, approve)
	wantAPIError(t, err, "ApprovalAlreadyCompletedException")

	dep := pollOne(t, c, customID(types.ActionCategoryBuild, "Builder"), map[string]string{"Project": "deploy"})
	cfg := dep.Data.ActionConfiguration.Configuration
	if cfg["Message"] != "abc123 in "+id || cfg["Token"] != "s3cret" {
		t.Fatalf("deploy configuration %v: want references resolved and the secret in clear (J-2.2)", cfg)
	}
	ackJob(t, c, dep)
	succeed(t, c, dep, map[string]string{"Url": "https://app.example.com"}, nil)

	pe := waitExecution(t, c, "e2e", id, types.PipelineExecutionStatusSucceeded)
	if pe.Trigger.TriggerType != types.TriggerTypeCreatePipeline || len(pe.ArtifactRevisions) != 1 ||
		aws.ToString(pe.ArtifactRevisions[0].RevisionId) != "abc123" || aws.ToString(pe.ArtifactRevisions[0].Name) != "Src" {
		t.Fatalf("execution %+v", pe)
	}
	actions, err := c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("e2e"),
		Filter: &types.ActionExecutionFilter{PipelineExecutionId: aws.String(id)}})
	if err != nil || len(actions.ActionExecutionDetails) != 4 {
		t.Fatalf("action executions: %v %v", actions, err)
	}
	last := actions.ActionExecutionDetails[0] // newest first
	if aws.ToString(last.ActionName) != "Deploy" || last.Input.ResolvedConfiguration["Message"] != "abc123 in "+id ||
		last.Input.Configuration["Token"] != "****" || last.Input.ResolvedConfiguration["Token"] != "****" ||
		last.Output.OutputVariables["Url"] != "https://app.example.com" ||
		aws.ToString(last.Output.ExecutionResult.ExternalExecutionUrl) != "https://ci.example.com/deploy/run-1" {
		t.Fatalf("deploy detail %+v %+v %+v", last.Input, last.Output, last.Output.ExecutionResult)
	}
	state := stageState(t, c, "e2e", "Source")
	if st := state.ActionStates[0]; st.CurrentRevision == nil || aws.ToString(st.CurrentRevision.RevisionId) != "abc123" ||
		aws.ToString(st.RevisionUrl) != "https://src.example.com/rev/abc123" || st.LatestExecution.Status != types.ActionExecutionStatusSucceeded ||
		st.LatestExecution.LastStatusChange == nil || aws.ToString(st.LatestExecution.ActionExecutionId) == "" {
		t.Fatalf("source action state %+v", st)
	}
}

// TestJobProtocolErrors covers the job operations' documented errors
// (J-2.2, J-2.4, J-2.9).
func TestJobProtocolErrors(t *testing.T) {
	m := MustOpen(t)
	c := newClient(m)
	ctx := context.Background()
	setupTypes(t, c, "ErrSrc", "ErrBuild")
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: flowPipeline("errs", "ErrSrc", types.ExecutionModeSuperseded, []types.ActionDeclaration{buildAction("Build", "ErrBuild", "app", 1)})}))
	srcID := customID(types.ActionCategorySource, "ErrSrc")
	buildID := customID(types.ActionCategoryBuild, "ErrBuild")

	_, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: buildID})
	wantAPIError(t, err, "ValidationException", "Project") // a queryable type needs its query
	_, err = c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: srcID, QueryParam: map[string]string{"X": "y"}})
	wantAPIError(t, err, "ValidationException")
	_, err = c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: customID(types.ActionCategoryBuild, "Nope")})
	wantAPIError(t, err, "ActionTypeNotFoundException")
	// Built-in jobs can be polled (Sluice's remote worker does), approvals never.
	_, err = c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: &types.ActionTypeId{Category: types.ActionCategoryApproval,
		Owner: types.ActionOwnerAws, Provider: aws.String("Manual"), Version: aws.String("1")}})
	wantAPIError(t, err, "ValidationException")
	must[*codepipeline.PollForJobsOutput](t)(c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: &types.ActionTypeId{
		Category: types.ActionCategorySource, Owner: types.ActionOwnerAws, Provider: aws.String("S3"), Version: aws.String("1")}}))

	job := pollOne(t, c, srcID, nil)
	_, err = c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: job.Id, Nonce: aws.String("wrong")})
	wantAPIError(t, err, "InvalidNonceException")
	_, err = c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: aws.String("11111111-2222-3333-4444-555555555555"), Nonce: aws.String("n")})
	wantAPIError(t, err, "JobNotFoundException")
	ackJob(t, c, job)
	ackJob(t, c, job) // the same worker acknowledging twice still sees InProgress
	details, err := c.GetJobDetails(ctx, &codepipeline.GetJobDetailsInput{JobId: job.Id})
	if err != nil || aws.ToString(details.JobDetails.Id) != aws.ToString(job.Id) || details.JobDetails.Data.ArtifactCredentials == nil {
		t.Fatalf("job details: %+v %v", details, err)
	}
	_, err = c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: job.Id,
		ContinuationToken: aws.String("more"), OutputVariables: map[string]string{"a": "b"}})
	wantAPIError(t, err, "ValidationException")
	_, err = c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: job.Id,
		OutputVariables: map[string]string{"big": strings.Repeat("x", 122881)}})
	wantAPIError(t, err, "OutputVariablesSizeExceededException")
	_, err = c.PutJobFailureResult(ctx, &codepipeline.PutJobFailureResultInput{JobId: job.Id,
		FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String("fetch failed")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: job.Id})
	wantAPIError(t, err, "InvalidJobStateException")

	other := newClient(m, clientOpts{accessKey: "210987654321", secret: "x", region: "us-east-1"})
	_, err = other.GetJobDetails(ctx, &codepipeline.GetJobDetailsInput{JobId: job.Id})
	wantAPIError(t, err, "JobNotFoundException") // J-2.6: another account's job

	id := latestExecution(t, c, "errs")
	pe := waitExecution(t, c, "errs", id, types.PipelineExecutionStatusFailed)
	if !strings.Contains(aws.ToString(pe.StatusSummary), "fetch failed") {
		t.Fatalf("summary %q", aws.ToString(pe.StatusSummary))
	}
	st := stageState(t, c, "errs", "Source").ActionStates[0].LatestExecution
	if st.ErrorDetails == nil || aws.ToString(st.ErrorDetails.Code) != "JobFailed" || aws.ToString(st.ErrorDetails.Message) != "fetch failed" {
		t.Fatalf("error details %+v", st.ErrorDetails)
	}
}

// TestContinuationToken: a success with a continuation token queues a new
// job for the same action run with the token in its data (J-2.7, J-2.11).
func TestContinuationToken(t *testing.T) {
	m := MustOpen(t)
	c := newClient(m)
	ctx := context.Background()
	setupTypes(t, c, "ContSrc", "ContBuild")
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: flowPipeline("cont", "ContSrc", types.ExecutionModeSuperseded, []types.ActionDeclaration{buildAction("Build", "ContBuild", "app", 1)})}))
	srcID := customID(types.ActionCategorySource, "ContSrc")
	first := pollOne(t, c, srcID, nil)
	ackJob(t, c, first)
	_, err := c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: first.Id, ContinuationToken: aws.String("step-2"),
		ExecutionDetails: &types.ExecutionDetails{Summary: aws.String("half way"), ExternalExecutionId: aws.String("ext-9"), PercentComplete: aws.Int32(50)}})
	if err != nil {
		t.Fatal(err)
	}
	st := stageState(t, c, "cont", "Source").ActionStates[0].LatestExecution
	if st.Status != types.ActionExecutionStatusInProgress || aws.ToInt32(st.PercentComplete) != 50 ||
		aws.ToString(st.ExternalExecutionUrl) != "https://src.example.com/run/ext-9" {
		t.Fatalf("action in continuation %+v", st)
	}
	second := pollOne(t, c, srcID, nil)
	if aws.ToString(second.Data.ContinuationToken) != "step-2" || aws.ToString(second.Id) == aws.ToString(first.Id) ||
		aws.ToString(second.Data.PipelineContext.Action.ActionExecutionId) != aws.ToString(first.Data.PipelineContext.Action.ActionExecutionId) {
		t.Fatalf("continuation job %+v", second.Data)
	}
	ackJob(t, c, second)
	succeed(t, c, second, nil, nil)
	work(t, c, customID(types.ActionCategoryBuild, "ContBuild"), map[string]string{"Project": "app"})
	waitExecution(t, c, "cont", latestExecution(t, c, "cont"), types.PipelineExecutionStatusSucceeded)
}

var _ = time.Second

// TestDeployActionExecutionTargets: a known action execution has no
// deployment targets; an unknown one, or one of another pipeline, is
// ActionExecutionNotFoundException.
func TestDeployActionExecutionTargets(t *testing.T) {
	m := MustOpen(t)
	c := newClient(m)
	ctx := context.Background()
	setupTypes(t, c, "TgtSrc", "TgtBuild")
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: flowPipeline("targets", "TgtSrc", types.ExecutionModeSuperseded, []types.ActionDeclaration{buildAction("Build", "TgtBuild", "app", 1)})}))
	job := pollOne(t, c, customID(types.ActionCategorySource, "TgtSrc"), nil)
	run := job.Data.PipelineContext.Action.ActionExecutionId
	out, err := c.ListDeployActionExecutionTargets(ctx, &codepipeline.ListDeployActionExecutionTargetsInput{
		PipelineName: aws.String("targets"), ActionExecutionId: run})
	if err != nil || len(out.Targets) != 0 || out.NextToken != nil {
		t.Fatalf("targets %+v, %v", out, err)
	}
	_, err = c.ListDeployActionExecutionTargets(ctx, &codepipeline.ListDeployActionExecutionTargetsInput{ActionExecutionId: aws.String("nope")})
	wantAPIError(t, err, "ActionExecutionNotFoundException")
	_, err = c.ListDeployActionExecutionTargets(ctx, &codepipeline.ListDeployActionExecutionTargetsInput{
		PipelineName: aws.String("other"), ActionExecutionId: run})
	wantAPIError(t, err, "PipelineNotFoundException")
}
