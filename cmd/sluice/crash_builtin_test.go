package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// A server killed with kill -9 in the middle of a build runs the build
// again when it restarts, and the execution succeeds.
func TestCrashDuringBuild(t *testing.T) {
	t.Parallel()
	dataDir, marks := t.TempDir(), t.TempDir()
	started := filepath.Join(marks, "started")
	// The first run marks that it started and hangs; the rerun finds the
	// mark and succeeds.
	cfg := writeConfig(t, "projects:\n  slow:\n    environment: {MARK: "+started+"}\n")
	spec := "version: 0.2\nphases:\n  build:\n    commands:\n      - if [ -f \"$MARK\" ]; then echo rerun; exit 0; fi; touch \"$MARK\"; sleep 600\n"
	p := startProcess(t, dataDir, "--config", cfg)
	s3c := newS3URL(p.url)
	versionedBucket(t, s3c, "src")
	putObject(t, s3c, "src", "app.zip", zipOf(t, map[string]string{"buildspec.yml": spec}))
	c := crashClient(p.url)
	_, err := c.CreatePipeline(context.Background(), &codepipeline.CreatePipelineInput{Pipeline: builtinPipeline("slow",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "src", "S3ObjectKey": "app.zip", "PollForSourceChanges": "false"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "slow"}, []string{"Src"}, nil),
	)})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the build to start", func() bool {
		_, err := os.Stat(started)
		return err == nil
	})
	p.kill()

	p = startProcess(t, dataDir, "--config", cfg)
	c = crashClient(p.url)
	id := latestExecution(t, c, "slow")
	waitExecution(t, c, "slow", id, types.PipelineExecutionStatusSucceeded)
	out, err := c.ListActionExecutions(context.Background(), &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("slow")})
	if err != nil {
		t.Fatal(err)
	}
	builds := 0
	for _, d := range out.ActionExecutionDetails {
		if aws.ToString(d.ActionName) == "Build" {
			builds++
		}
	}
	if builds != 1 {
		t.Fatalf("build action executions = %d, want 1 (the run resumed, not restarted)", builds)
	}
}
