package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// Helpers of the engine tests: pipelines of custom actions, a job worker,
// and waiting on execution states with a deadline (never a sleep).

// sourceType and buildType are the custom types the engine tests use: a
// source with one output and no query, a build keyed by a queryable Project.
func sourceType(provider string) *codepipeline.CreateCustomActionTypeInput {
	return &codepipeline.CreateCustomActionTypeInput{
		Category: types.ActionCategorySource, Provider: aws.String(provider), Version: aws.String("1"),
		Settings: &types.ActionTypeSettings{
			ExecutionUrlTemplate: aws.String("https://src.example.com/run/{ExternalExecutionId}"),
			RevisionUrlTemplate:  aws.String("https://src.example.com/rev/{RevisionId}"),
		},
		InputArtifactDetails:  &types.ArtifactDetails{MinimumCount: 0, MaximumCount: 0},
		OutputArtifactDetails: &types.ArtifactDetails{MinimumCount: 1, MaximumCount: 1},
	}
}

func buildType(provider string) *codepipeline.CreateCustomActionTypeInput {
	in := customType(provider, "1", types.ActionConfigurationProperty{
		Name: aws.String("Token"), Required: false, Secret: true, Type: types.ActionConfigurationPropertyTypeString,
	}, types.ActionConfigurationProperty{
		Name: aws.String("Message"), Required: false, Type: types.ActionConfigurationPropertyTypeString,
	})
	in.Settings.ExecutionUrlTemplate = aws.String("https://ci.example.com/{Config:Project}/{ExternalExecutionId}")
	return in
}

func customID(cat types.ActionCategory, provider string) *types.ActionTypeId {
	return &types.ActionTypeId{Category: cat, Owner: types.ActionOwnerCustom, Provider: aws.String(provider), Version: aws.String("1")}
}

func sourceAction(provider string) types.ActionDeclaration {
	return types.ActionDeclaration{
		Name: aws.String("Fetch"), ActionTypeId: customID(types.ActionCategorySource, provider),
		OutputArtifacts: []types.OutputArtifact{{Name: aws.String("Src")}},
		Namespace:       aws.String("SourceVars"),
	}
}

func buildAction(name, provider, project string, order int32) types.ActionDeclaration {
	return types.ActionDeclaration{
		Name: aws.String(name), ActionTypeId: customID(types.ActionCategoryBuild, provider), RunOrder: aws.Int32(order),
		Configuration:  map[string]string{"Project": project},
		InputArtifacts: []types.InputArtifact{{Name: aws.String("Src")}},
	}
}

func approvalAction(name string, cfg map[string]string) types.ActionDeclaration {
	return types.ActionDeclaration{
		Name: aws.String(name), Configuration: cfg,
		ActionTypeId: &types.ActionTypeId{Category: types.ActionCategoryApproval, Owner: types.ActionOwnerAws,
			Provider: aws.String("Manual"), Version: aws.String("1")},
	}
}

// flowPipeline is Source (custom) -> stages of the given actions.
func flowPipeline(name, srcProvider string, mode types.ExecutionMode, stages ...[]types.ActionDeclaration) *types.PipelineDeclaration {
	p := &types.PipelineDeclaration{
		Name:          aws.String(name),
		RoleArn:       aws.String("arn:aws:iam::123456789012:role/pipeline"),
		ArtifactStore: &types.ArtifactStore{Type: types.ArtifactStoreTypeS3, Location: aws.String("artifacts")},
		PipelineType:  types.PipelineTypeV2, ExecutionMode: mode,
		Stages: []types.StageDeclaration{{Name: aws.String("Source"), Actions: []types.ActionDeclaration{sourceAction(srcProvider)}}},
	}
	for i, actions := range stages {
		p.Stages = append(p.Stages, types.StageDeclaration{Name: aws.String(fmt.Sprintf("Stage%d", i+1)), Actions: actions})
	}
	return p
}

// setupTypes creates the source and build types of a test.
func setupTypes(t *testing.T, c *codepipeline.Client, src, build string) {
	t.Helper()
	ctx := context.Background()
	must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, sourceType(src)))
	must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, buildType(build)))
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitExecution waits until an execution has the status.
func waitExecution(t *testing.T, c *codepipeline.Client, pipeline, id string, want types.PipelineExecutionStatus) *types.PipelineExecution {
	t.Helper()
	var got *types.PipelineExecution
	eventually(t, fmt.Sprintf("execution %s to be %s", id, want), func() bool {
		out, err := c.GetPipelineExecution(context.Background(), &codepipeline.GetPipelineExecutionInput{
			PipelineName: aws.String(pipeline), PipelineExecutionId: aws.String(id)})
		if err != nil {
			t.Fatalf("get execution: %v", err)
		}
		got = out.PipelineExecution
		return got.Status == want
	})
	return got
}

// pollOne polls one job of a type, with the given query, within the deadline.
func pollOne(t *testing.T, c *codepipeline.Client, id *types.ActionTypeId, query map[string]string) types.Job {
	t.Helper()
	var job types.Job
	eventually(t, "a job of "+aws.ToString(id.Provider), func() bool {
		out, err := c.PollForJobs(context.Background(), &codepipeline.PollForJobsInput{ActionTypeId: id, QueryParam: query, MaxBatchSize: aws.Int32(1)})
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		if len(out.Jobs) == 0 {
			return false
		}
		job = out.Jobs[0]
		return true
	})
	return job
}

// ackJob acknowledges a job and checks it is InProgress.
func ackJob(t *testing.T, c *codepipeline.Client, job types.Job) {
	t.Helper()
	out, err := c.AcknowledgeJob(context.Background(), &codepipeline.AcknowledgeJobInput{JobId: job.Id, Nonce: job.Nonce})
	if err != nil || out.Status != types.JobStatusInProgress {
		t.Fatalf("acknowledge %s: %v %v", aws.ToString(job.Id), out, err)
	}
}

// succeed reports a job succeeded with output variables.
func succeed(t *testing.T, c *codepipeline.Client, job types.Job, vars map[string]string, rev *types.CurrentRevision) {
	t.Helper()
	_, err := c.PutJobSuccessResult(context.Background(), &codepipeline.PutJobSuccessResultInput{
		JobId: job.Id, OutputVariables: vars, CurrentRevision: rev,
		ExecutionDetails: &types.ExecutionDetails{Summary: aws.String("done"), ExternalExecutionId: aws.String("run-1"), PercentComplete: aws.Int32(100)},
	})
	if err != nil {
		t.Fatalf("put success: %v", err)
	}
}

// work polls, acknowledges and succeeds one job of a type.
func work(t *testing.T, c *codepipeline.Client, id *types.ActionTypeId, query map[string]string) types.Job {
	t.Helper()
	job := pollOne(t, c, id, query)
	ackJob(t, c, job)
	succeed(t, c, job, nil, nil)
	return job
}

// stageState returns a stage of GetPipelineState.
func stageState(t *testing.T, c *codepipeline.Client, pipeline, stage string) types.StageState {
	t.Helper()
	out, err := c.GetPipelineState(context.Background(), &codepipeline.GetPipelineStateInput{Name: aws.String(pipeline)})
	if err != nil {
		t.Fatalf("get state: %v", err)
	}
	for _, s := range out.StageStates {
		if aws.ToString(s.StageName) == stage {
			return s
		}
	}
	t.Fatalf("no stage %s", stage)
	return types.StageState{}
}

// latestExecution returns the newest execution id of a pipeline.
func latestExecution(t *testing.T, c *codepipeline.Client, pipeline string) string {
	t.Helper()
	out, err := c.ListPipelineExecutions(context.Background(), &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(pipeline), MaxResults: aws.Int32(1)})
	if err != nil || len(out.PipelineExecutionSummaries) == 0 {
		t.Fatalf("list executions: %v %v", out, err)
	}
	return aws.ToString(out.PipelineExecutionSummaries[0].PipelineExecutionId)
}
