package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// `sluice worker` in generic mode works a custom action type with a
// configured command, from another process's point of view: over the API
// and the S3 endpoint only. The server's own worker is off, so the remote
// worker also runs the built-in source and deploy.
func TestRemoteWorkerCustomCommand(t *testing.T) {
	m := MustOpen(t, func(c *Config) { c.Workers = 0 })
	c, s := newClient(m), newS3(m)
	setupTypes(t, c, "ShoutSrc", "Shout")
	cfg := writeConfig(t, `custom:
  - category: Build
    provider: Shout
    version: "1"
    query: {Project: megaphone}
    command: ["sh", "-c", "tr a-z A-Z < data.txt > \"$SLUICE_OUTPUT_DIR/data.txt\" && echo \"PROJECT=$SLUICE_CONFIG_PROJECT\" > \"$SLUICE_OUTPUT_VARIABLES\" && echo shouted"]
`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t.Setenv("AWS_ACCESS_KEY_ID", testAccount)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	go func() {
		done <- runWorker(ctx, workerConfig{Endpoint: m.URL(), Region: "us-east-1", ConfigFile: cfg, Concurrency: 2, Builtin: true, LogLevel: "error"})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})

	versionedBucket(t, s, "words")
	putObject(t, s, "words", "in.zip", zipOf(t, map[string]string{"data.txt": "quiet words",
		"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands:\n      - echo remote build\n"}))
	if _, err := s.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("loud")}); err != nil {
		t.Fatal(err)
	}
	shout := types.ActionDeclaration{
		Name: aws.String("Shout"), ActionTypeId: customID(types.ActionCategoryBuild, "Shout"),
		Configuration:   map[string]string{"Project": "megaphone"},
		InputArtifacts:  []types.InputArtifact{{Name: aws.String("Src")}},
		OutputArtifacts: []types.OutputArtifact{{Name: aws.String("Out")}},
		Namespace:       aws.String("Shout"),
	}
	id := createPipeline(t, c, builtinPipeline("shout",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "words", "S3ObjectKey": "in.zip"}, nil, []string{"Src"}),
		shout,
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "remote"}, []string{"Src"}, nil),
		awsAction("Deploy", types.ActionCategoryDeploy, "S3", map[string]string{"BucketName": "loud", "Extract": "true"}, []string{"Out"}, nil),
	))
	waitExecution(t, c, "shout", id, types.PipelineExecutionStatusSucceeded)
	if got := string(getObject(t, s, "loud", "data.txt")); got != "QUIET WORDS\n" && got != "QUIET WORDS" {
		t.Fatalf("deployed = %q", got)
	}
	act := actionExecutions(t, c, "shout", id)["Shout"]
	if act.Output.OutputVariables["PROJECT"] != "megaphone" || aws.ToString(act.Output.ExecutionResult.ExternalExecutionSummary) != "shouted" {
		t.Fatalf("shout output = %+v %q", act.Output.OutputVariables, aws.ToString(act.Output.ExecutionResult.ExternalExecutionSummary))
	}
	// The remote build's log went to the server with the job's own
	// credentials, and is served at its URL.
	logURL := aws.ToString(actionExecutions(t, c, "shout", id)["Build"].Output.ExecutionResult.ExternalExecutionUrl)
	resp, err := http.Get(logURL)
	if err != nil {
		t.Fatal(err)
	}
	logText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(logText), "remote build") {
		t.Fatalf("remote build log at %s: %d %q", logURL, resp.StatusCode, logText)
	}
}

// An Invoke/Lambda action runs the configured function with the job event;
// the function reports back with PutJobSuccessResult, as on Lambda.
func TestLambdaInvoke(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 has no boto3")
	}
	fn := `import json, sys, boto3
event = json.load(sys.stdin)
job = event["CodePipeline.job"]
params = job["data"]["actionConfiguration"]["configuration"]["UserParameters"]
cp = boto3.client("codepipeline")
cp.put_job_success_result(jobId=job["id"], outputVariables={"said": params.upper()},
    executionDetails={"summary": "lambda ran", "externalExecutionId": "fn-1"})
`
	cfg := writeConfig(t, "functions:\n  greet:\n    command: [python3, -c, "+quoteYAML(fn)+"]\n")
	m := MustOpen(t, func(c *Config) { c.ConfigFile = cfg })
	c, s := newClient(m), newS3(m)
	versionedBucket(t, s, "lam")
	putObject(t, s, "lam", "x.zip", zipOf(t, map[string]string{"a": "b"}))
	invoke := awsAction("Invoke", types.ActionCategoryInvoke, "Lambda", map[string]string{"FunctionName": "greet", "UserParameters": "hi"}, nil, nil)
	invoke.Namespace = aws.String("Invoke")
	id := createPipeline(t, c, builtinPipeline("lambda",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "lam", "S3ObjectKey": "x.zip"}, nil, []string{"Src"}),
		invoke,
		awsAction("Again", types.ActionCategoryInvoke, "Lambda", map[string]string{"FunctionName": "greet", "UserParameters": "#{Invoke.said}!"}, nil, nil),
	))
	waitExecution(t, c, "lambda", id, types.PipelineExecutionStatusSucceeded)
	acts := actionExecutions(t, c, "lambda", id)
	if acts["Again"].Output.OutputVariables["said"] != "HI!" || aws.ToString(acts["Invoke"].Output.ExecutionResult.ExternalExecutionSummary) != "lambda ran" {
		t.Fatalf("lambda outputs = %+v / %+v", acts["Invoke"].Output, acts["Again"].Output.OutputVariables)
	}
}

func quoteYAML(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
