package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"

	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
)

// Two replicas on one PostgreSQL database keep their artifacts in one
// S3-compatible store (here a third server's S3 endpoint, through the s3
// driver): a source uploaded through replica A is fetched, built and
// deployed by whichever replica's worker takes each job, and the result
// is readable through replica B.
func TestReplicasShareArtifacts(t *testing.T) {
	dsn := pgtest.Schema(t)
	objects := startProcess(t, t.TempDir())
	t.Setenv("SLUICE_ARTIFACTS_ACCESS_KEY_ID", "111111111111")
	t.Setenv("SLUICE_ARTIFACTS_SECRET_ACCESS_KEY", "secret")
	a := startProcess(t, t.TempDir(), "--store", dsn, "--artifacts", objects.url)
	b := startProcess(t, t.TempDir(), "--store", dsn, "--artifacts", objects.url)

	sa, sb := newS3URL(a.url), newS3URL(b.url)
	versionedBucket(t, sa, "src")
	versionedBucket(t, sa, "site")
	buildspec := "version: 0.2\nphases:\n  build:\n    commands:\n      - echo built > out.txt\nartifacts:\n  files: [out.txt]\n"
	putObject(t, sa, "src", "app.zip", zipOf(t, map[string]string{"buildspec.yml": buildspec}))
	c := crashClient(b.url)
	_, err := c.CreatePipeline(context.Background(), &codepipeline.CreatePipelineInput{Pipeline: builtinPipeline("shared",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "src", "S3ObjectKey": "app.zip", "PollForSourceChanges": "false"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, []string{"Out"}),
		awsAction("Deploy", types.ActionCategoryDeploy, "S3", map[string]string{"BucketName": "site", "Extract": "true"}, []string{"Out"}, nil),
	)})
	if err != nil {
		t.Fatal(err)
	}
	id := latestExecution(t, c, "shared")
	waitExecution(t, crashClient(a.url), "shared", id, types.PipelineExecutionStatusSucceeded)
	if got := strings.TrimSpace(string(getObject(t, sb, "site", "out.txt"))); got != "built" {
		t.Fatalf("deployed = %q", got)
	}
	// The artifacts are in the shared store, not in either replica, in
	// buckets of the account whose keys the replicas use there.
	keys := aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "secret"}
	if got := string(getObject(t, newS3URL(objects.url, keys), "site", "out.txt")); strings.TrimSpace(got) != "built" {
		t.Fatalf("shared store has %q", got)
	}
	out, err := c.ListActionExecutions(context.Background(), &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("shared")})
	if err != nil || len(out.ActionExecutionDetails) != 3 {
		t.Fatalf("action executions: %v, %v", out, err)
	}
}
