package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsRaw runs the aws CLI against url and returns its standard output.
func awsRaw(t *testing.T, url string, args ...string) string {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", url, "--region", "us-east-1"}, args...)...)
	cmd.Env = scenarioEnv()
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("aws %s: %v: %s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

const s3Pipeline = `{"name": "web", "roleArn": "arn:aws:iam::123456789012:role/p", "pipelineType": "V2",
  "artifactStore": {"type": "S3", "location": "web-artifacts"},
  "stages": [
    {"name": "Source", "actions": [{"name": "Source",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
      "configuration": {"S3Bucket": "src", "S3ObjectKey": "app.zip", "PollForSourceChanges": "false"},
      "outputArtifacts": [{"name": "Src"}]}]},
    {"name": "Build", "actions": [{"name": "Build",
      "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
      "configuration": {"ProjectName": "web"},
      "inputArtifacts": [{"name": "Src"}], "outputArtifacts": [{"name": "Site"}]}]},
    {"name": "Deploy", "actions": [{"name": "Deploy",
      "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
      "configuration": {"BucketName": "site", "Extract": "true"},
      "inputArtifacts": [{"name": "Site"}]}]}]}`

// With nothing but the aws CLI and the built binary: upload a source zip
// with `aws s3 cp`, let the pipeline fetch, build and deploy it, and read
// the deployed page back with `aws s3 cp`.
func TestBlackBoxS3Pipeline(t *testing.T) {
	requireCLI(t)
	t.Parallel()
	p := startProcess(t, t.TempDir())
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "app.zip")
	buildspec := "version: 0.2\nphases:\n  build:\n    commands:\n      - mkdir -p public && sed s/NAME/sluice/ page.tmpl > public/index.html\nartifacts:\n  base-directory: public\n  files: ['**/*']\n"
	if err := os.WriteFile(zipPath, zipOf(t, map[string]string{"buildspec.yml": buildspec, "page.tmpl": "<h1>hello NAME</h1>\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	awsRaw(t, p.url, "s3", "mb", "s3://src")
	awsRaw(t, p.url, "s3api", "put-bucket-versioning", "--bucket", "src", "--versioning-configuration", "Status=Enabled")
	awsRaw(t, p.url, "s3", "mb", "s3://site")
	awsRaw(t, p.url, "s3", "cp", zipPath, "s3://src/app.zip")
	if ls := awsRaw(t, p.url, "s3", "ls", "s3://src/"); !strings.Contains(ls, "app.zip") {
		t.Fatalf("aws s3 ls = %q", ls)
	}

	if _, err := awsCLI(t, p.url, "create-pipeline", "--pipeline", s3Pipeline); err != nil {
		t.Fatalf("create-pipeline: %v", err)
	}
	scenarioEventually(t, "the pipeline to succeed", func() bool {
		list, err := awsCLI(t, p.url, "list-pipeline-executions", "--pipeline-name", "web")
		if err != nil {
			t.Fatal(err)
		}
		sums := list["pipelineExecutionSummaries"].([]any)
		if len(sums) == 0 {
			return false
		}
		ex := sums[0].(map[string]any)
		if st := ex["status"]; st == "Failed" {
			t.Fatalf("execution failed: %v", ex)
		}
		return ex["status"] == "Succeeded"
	})
	page := awsRaw(t, p.url, "s3", "cp", "s3://site/index.html", "-")
	if page != "<h1>hello sluice</h1>\n" {
		t.Fatalf("deployed page = %q", page)
	}
	awsRaw(t, p.url, "s3", "rm", "s3://site/index.html")
	if ls := awsRaw(t, p.url, "s3", "ls", "s3://site/"); strings.Contains(ls, "index.html") {
		t.Fatalf("after rm: %q", ls)
	}
}
