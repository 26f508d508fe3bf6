package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// TestAutomaticRollback: a stage with onFailure ROLLBACK that fails is
// rolled back to the latest execution that succeeded in it, as a new
// ROLLBACK execution triggered AutomatedRollback that re-runs the stage
// with that execution's artifacts.
func TestAutomaticRollback(t *testing.T) {
	m := MustOpen(t)
	c := newClient(m)
	ctx := context.Background()
	setupTypes(t, c, "RbSrc", "RbDeploy")
	p := flowPipeline("autorb", "RbSrc", types.ExecutionModeSuperseded, []types.ActionDeclaration{buildAction("Deploy", "RbDeploy", "app", 1)})
	p.Stages[1].OnFailure = &types.FailureConditions{Result: types.ResultRollback}
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}))
	srcID, deployID := customID(types.ActionCategorySource, "RbSrc"), customID(types.ActionCategoryBuild, "RbDeploy")
	query := map[string]string{"Project": "app"}

	good := latestExecution(t, c, "autorb")
	src1 := pollOne(t, c, srcID, nil)
	ackJob(t, c, src1)
	succeed(t, c, src1, nil, &types.CurrentRevision{Revision: aws.String("v1"), ChangeIdentifier: aws.String("v1")})
	work(t, c, deployID, query)
	waitExecution(t, c, "autorb", good, types.PipelineExecutionStatusSucceeded)

	bad := must[*codepipeline.StartPipelineExecutionOutput](t)(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("autorb")})).PipelineExecutionId
	src2 := pollOne(t, c, srcID, nil)
	ackJob(t, c, src2)
	succeed(t, c, src2, nil, &types.CurrentRevision{Revision: aws.String("v2"), ChangeIdentifier: aws.String("v2")})
	dep := pollOne(t, c, deployID, query)
	ackJob(t, c, dep)
	if _, err := c.PutJobFailureResult(ctx, &codepipeline.PutJobFailureResultInput{JobId: dep.Id,
		FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String("deploy broke")}}); err != nil {
		t.Fatal(err)
	}
	waitExecution(t, c, "autorb", aws.ToString(bad), types.PipelineExecutionStatusFailed)

	redo := pollOne(t, c, deployID, query)
	if aws.ToString(redo.Data.InputArtifacts[0].Revision) != "v1" {
		t.Fatalf("rollback deploys revision %q, want the target's v1", aws.ToString(redo.Data.InputArtifacts[0].Revision))
	}
	ackJob(t, c, redo)
	succeed(t, c, redo, nil, nil)
	rb := aws.ToString(redo.Data.PipelineContext.PipelineExecutionId)
	pe := waitExecution(t, c, "autorb", rb, types.PipelineExecutionStatusSucceeded)
	if pe.ExecutionType != types.ExecutionTypeRollback || pe.Trigger.TriggerType != types.TriggerTypeAutomatedRollback ||
		aws.ToString(pe.RollbackMetadata.RollbackTargetPipelineExecutionId) != good {
		t.Fatalf("rollback execution %+v %+v", pe, pe.RollbackMetadata)
	}
	if st := stageState(t, c, "autorb", "Stage1").LatestExecution; aws.ToString(st.PipelineExecutionId) != rb || st.Type != types.ExecutionTypeRollback {
		t.Fatalf("stage latest execution %+v", st)
	}
}
