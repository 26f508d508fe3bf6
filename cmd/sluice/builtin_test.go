package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// A source zip uploaded to the S3 endpoint is fetched by the S3 source,
// built by the local CodeBuild (buildspec from the source) and deployed
// extracted into a bucket; a new version of the zip starts a new execution.
func TestBuiltinS3BuildDeploy(t *testing.T) {
	m := MustOpen(t)
	c, s := newClient(m), newS3(m)
	ctx := context.Background()
	versionedBucket(t, s, "src")
	versionedBucket(t, s, "site")
	buildspec := `version: 0.2
env:
  exported-variables: [GREETING]
phases:
  build:
    commands:
      - mkdir -p out
      - GREETING="hello from $CODEBUILD_BUILD_ID"
      - echo "$GREETING" > out/index.html
      - cp -r static out/
artifacts:
  base-directory: out
  files:
    - '**/*'
`
	first := putObject(t, s, "src", "app.zip", zipOf(t, map[string]string{
		"buildspec.yml": buildspec, "static/app.css": "body{}",
	}))
	id := createPipeline(t, c, builtinPipeline("site",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "src", "S3ObjectKey": "app.zip"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "site"}, []string{"Src"}, []string{"Web"}),
		awsAction("Deploy", types.ActionCategoryDeploy, "S3", map[string]string{"BucketName": "site", "Extract": "true"}, []string{"Web"}, nil),
	))
	ex := waitExecution(t, c, "site", id, types.PipelineExecutionStatusSucceeded)
	if len(ex.ArtifactRevisions) != 1 || aws.ToString(ex.ArtifactRevisions[0].RevisionId) != first {
		t.Fatalf("artifact revisions = %+v, want the object version %s", ex.ArtifactRevisions, first)
	}
	if got := string(getObject(t, s, "site", "index.html")); !strings.HasPrefix(got, "hello from site:") {
		t.Fatalf("deployed index.html = %q", got)
	}
	if got := string(getObject(t, s, "site", "static/app.css")); got != "body{}" {
		t.Fatalf("deployed static/app.css = %q", got)
	}

	acts := actionExecutions(t, c, "site", id)
	build := acts["Build"]
	if v := build.Output.OutputVariables["GREETING"]; !strings.HasPrefix(v, "hello from site:") {
		t.Fatalf("build output variables = %v", build.Output.OutputVariables)
	}
	in, out := build.Input.InputArtifacts, build.Output.OutputArtifacts
	if len(in) != 1 || in[0].S3location == nil || aws.ToString(in[0].S3location.Bucket) != "artifacts-site" ||
		len(out) != 1 || out[0].S3location == nil || !strings.HasPrefix(aws.ToString(out[0].S3location.Key), "site/Web/") {
		t.Fatalf("build artifacts: in %+v, out %+v", in, out)
	}
	logURL := aws.ToString(build.Output.ExecutionResult.ExternalExecutionUrl)
	if !strings.HasPrefix(logURL, m.URL()+"/logs/site:") {
		t.Fatalf("build url = %q", logURL)
	}
	resp, err := http.Get(logURL)
	if err != nil {
		t.Fatal(err)
	}
	logText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(logText), "BUILD") {
		t.Fatalf("build log: %d %q", resp.StatusCode, logText)
	}

	// A new version of the source object starts the pipeline again.
	second := putObject(t, s, "src", "app.zip", zipOf(t, map[string]string{"buildspec.yml": buildspec, "static/app.css": "body{color:red}"}))
	var next string
	eventually(t, "an execution for the new source version", func() bool {
		out, err := c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("site")})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.PipelineExecutionSummaries {
			if aws.ToString(e.PipelineExecutionId) != id {
				next = aws.ToString(e.PipelineExecutionId)
				if e.Trigger == nil || e.Trigger.TriggerType != types.TriggerTypePollForSourceChanges {
					t.Fatalf("trigger = %+v", e.Trigger)
				}
				return true
			}
		}
		return false
	})
	ex = waitExecution(t, c, "site", next, types.PipelineExecutionStatusSucceeded)
	if aws.ToString(ex.ArtifactRevisions[0].RevisionId) != second {
		t.Fatalf("second execution revision = %s, want %s", aws.ToString(ex.ArtifactRevisions[0].RevisionId), second)
	}
	if got := string(getObject(t, s, "site", "static/app.css")); got != "body{color:red}" {
		t.Fatalf("redeployed static/app.css = %q", got)
	}
}

// A failing build fails its action with the phase and command, and the
// execution fails.
func TestBuiltinBuildFails(t *testing.T) {
	m := MustOpen(t)
	c, s := newClient(m), newS3(m)
	versionedBucket(t, s, "src")
	putObject(t, s, "src", "app.zip", zipOf(t, map[string]string{"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands:\n      - exit 3\n"}))
	id := createPipeline(t, c, builtinPipeline("fails",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "src", "S3ObjectKey": "app.zip", "PollForSourceChanges": "false"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, nil),
	))
	waitExecution(t, c, "fails", id, types.PipelineExecutionStatusFailed)
	b := actionExecutions(t, c, "fails", id)["Build"]
	msg := aws.ToString(b.Output.ExecutionResult.ErrorDetails.Message)
	if b.Status != types.ActionExecutionStatusFailed || !strings.Contains(msg, "BUILD") || !strings.Contains(msg, "exit 3") {
		t.Fatalf("build = %s %q", b.Status, msg)
	}
}

// A missing source object fails the source action, as CodePipeline does.
func TestBuiltinSourceMissing(t *testing.T) {
	m := MustOpen(t)
	c, s := newClient(m), newS3(m)
	versionedBucket(t, s, "src")
	id := createPipeline(t, c, builtinPipeline("missing",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "src", "S3ObjectKey": "nope.zip"}, nil, []string{"Src"}),
		awsAction("Deploy", types.ActionCategoryDeploy, "S3", map[string]string{"BucketName": "src", "Extract": "false", "ObjectKey": "x"}, []string{"Src"}, nil),
	))
	waitExecution(t, c, "missing", id, types.PipelineExecutionStatusFailed)
	src := actionExecutions(t, c, "missing", id)["Source"]
	if msg := aws.ToString(src.Output.ExecutionResult.ErrorDetails.Message); !strings.Contains(msg, "nope.zip") {
		t.Fatalf("source failure = %q", msg)
	}
}
