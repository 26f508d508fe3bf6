package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// Source revision overrides of StartPipelineExecution reach the S3
// source: a version id fetches that version, an object key (allowed by
// AllowOverrideForS3ObjectKey) fetches that object.
func TestBuiltinS3SourceOverride(t *testing.T) {
	m := MustOpen(t)
	c, s := newClient(m), newS3(m)
	versionedBucket(t, s, "over")
	spec := "version: 0.2\nenv:\n  exported-variables: [MSG]\nphases:\n  build:\n    commands:\n      - MSG=$(cat msg.txt)\n"
	old := putObject(t, s, "over", "app.zip", zipOf(t, map[string]string{"buildspec.yml": spec, "msg.txt": "old"}))
	putObject(t, s, "over", "app.zip", zipOf(t, map[string]string{"buildspec.yml": spec, "msg.txt": "new"}))
	putObject(t, s, "over", "other.zip", zipOf(t, map[string]string{"buildspec.yml": spec, "msg.txt": "other"}))
	id := createPipeline(t, c, builtinPipeline("over",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "over", "S3ObjectKey": "app.zip",
			"PollForSourceChanges": "false", "AllowOverrideForS3ObjectKey": "true"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, nil),
	))
	waitExecution(t, c, "over", id, types.PipelineExecutionStatusSucceeded)
	for _, tc := range []struct {
		kind  types.SourceRevisionType
		value string
		want  string
	}{
		{types.SourceRevisionTypeS3ObjectVersionId, old, "old"},
		{types.SourceRevisionTypeS3ObjectKey, "other.zip", "other"},
	} {
		out, err := c.StartPipelineExecution(context.Background(), &codepipeline.StartPipelineExecutionInput{Name: aws.String("over"),
			SourceRevisions: []types.SourceRevisionOverride{{ActionName: aws.String("Source"), RevisionType: tc.kind, RevisionValue: aws.String(tc.value)}}})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.PipelineExecutionId)
		ex := waitExecution(t, c, "over", id, types.PipelineExecutionStatusSucceeded)
		if got := actionExecutions(t, c, "over", id)["Build"].Output.OutputVariables["MSG"]; got != tc.want {
			t.Fatalf("%s %s: built %q, want %q", tc.kind, tc.value, got, tc.want)
		}
		if tc.kind == types.SourceRevisionTypeS3ObjectVersionId && aws.ToString(ex.ArtifactRevisions[0].RevisionId) != old {
			t.Fatalf("revision = %s, want %s", aws.ToString(ex.ArtifactRevisions[0].RevisionId), old)
		}
	}
}
