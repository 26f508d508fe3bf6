package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-cd/sluice/internal/core"
)

// otherAccount is a second account of the open-mode test servers.
const otherAccount = "210987654321"

// otherClients are the CodePipeline and S3 clients of otherAccount.
func otherClients(m *Main) (*codepipeline.Client, *s3.Client) {
	return newClient(m, clientOpts{accessKey: otherAccount, secret: "x", region: "us-east-1"}),
		newS3(m, aws.Credentials{AccessKeyID: otherAccount, SecretAccessKey: "x"})
}

// bucketNames lists the buckets a client sees.
func bucketNames(t *testing.T, c *s3.Client) []string {
	t.Helper()
	out, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	return names
}

// One account never sees another's buckets: it can neither list, read,
// write nor delete in them, nor create a bucket of the same name, and
// ListBuckets shows each account its own.
func TestBucketsOfOneAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	mine := newS3(m)
	_, theirs := otherClients(m)
	versionedBucket(t, mine, "mine")
	putObject(t, mine, "mine", "secret.txt", []byte("A's"))
	versionedBucket(t, theirs, "theirs")

	bucket, key := aws.String("mine"), aws.String("secret.txt")
	calls := map[string]func() error{
		"ListObjectsV2": func() error { _, err := theirs.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket}); return err },
		"ListObjectVersions": func() error {
			_, err := theirs.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: bucket})
			return err
		},
		"GetObject": func() error {
			_, err := theirs.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key})
			return err
		},
		"PutObject": func() error {
			_, err := theirs.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("B's")})
			return err
		},
		"CopyObject": func() error {
			_, err := theirs.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("theirs"), Key: key, CopySource: aws.String("mine/secret.txt")})
			return err
		},
		"DeleteObject": func() error {
			_, err := theirs.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: key})
			return err
		},
		"DeleteBucket": func() error { _, err := theirs.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket}); return err },
		"PutBucketVersioning": func() error {
			_, err := theirs.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket,
				VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
			return err
		},
	}
	for name, call := range calls {
		wantS3Error(t, call(), "AccessDenied", name)
	}
	_, err := theirs.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket})
	wantS3Error(t, err, "BucketAlreadyExists", "CreateBucket")

	if got := string(getObject(t, mine, "mine", "secret.txt")); got != "A's" {
		t.Fatalf("A's object is now %q", got)
	}
	if got := bucketNames(t, mine); !slices.Equal(got, []string{"mine"}) {
		t.Fatalf("A lists %v", got)
	}
	if got := bucketNames(t, theirs); !slices.Equal(got, []string{"theirs"}) {
		t.Fatalf("B lists %v", got)
	}
	// Creating one's own bucket again is no error in us-east-1, as on S3.
	if _, err := mine.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatalf("create own bucket again: %v", err)
	}
}

// s3SourcePipeline fetches source/app.zip and deploys it, still zipped,
// to target/out.zip.
func s3SourcePipeline(name, source, target string) *types.PipelineDeclaration {
	return builtinPipeline(name,
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": source, "S3ObjectKey": "app.zip"}, nil, []string{"Src"}),
		awsAction("Deploy", types.ActionCategoryDeploy, "S3", map[string]string{"BucketName": target, "ObjectKey": "out.zip", "Extract": "false"}, []string{"Src"}, nil),
	)
}

// wantPermissionError waits for an execution to fail in stage with the
// action's permission error about bucket.
func wantPermissionError(t *testing.T, c *codepipeline.Client, pipeline, id, stage, bucket string) {
	t.Helper()
	waitExecution(t, c, pipeline, id, types.PipelineExecutionStatusFailed)
	got := stageState(t, c, pipeline, stage).ActionStates[0].LatestExecution
	if got == nil || got.ErrorDetails == nil || aws.ToString(got.ErrorDetails.Code) != "PermissionError" ||
		aws.ToString(got.ErrorDetails.Message) != "Access denied to bucket "+bucket {
		t.Fatalf("%s of %s: %+v", stage, pipeline, got)
	}
}

// A pipeline of one account that names another account's bucket as its S3
// source or deploy target fails with a permission error, while the
// owner's pipeline works; change detection does not start it either.
func TestPipelineUsesOnlyItsAccountsBuckets(t *testing.T) {
	t.Parallel()
	m := MustOpen(t)
	mine := newS3(m)
	c := newClient(m)
	otherPipelines, theirs := otherClients(m)
	versionedBucket(t, mine, "a-src")
	versionedBucket(t, mine, "a-site")
	putObject(t, mine, "a-src", "app.zip", zipOf(t, map[string]string{"index.html": "A's"}))
	versionedBucket(t, theirs, "b-src")
	versionedBucket(t, theirs, "b-site")
	putObject(t, theirs, "b-src", "app.zip", zipOf(t, map[string]string{"index.html": "B's"}))

	id := createPipeline(t, c, s3SourcePipeline("a-own", "a-src", "a-site"))
	waitExecution(t, c, "a-own", id, types.PipelineExecutionStatusSucceeded)

	id = createPipeline(t, otherPipelines, s3SourcePipeline("b-reads-a", "a-src", "b-site"))
	wantPermissionError(t, otherPipelines, "b-reads-a", id, "Source", "a-src")
	id = createPipeline(t, otherPipelines, s3SourcePipeline("b-writes-a", "b-src", "a-site"))
	wantPermissionError(t, otherPipelines, "b-writes-a", id, "Deploy", "a-site")
	if got := unzipped(t, getObject(t, mine, "a-site", "out.zip")); got["index.html"] != "A's" {
		t.Fatalf("A's deployed object became %v", got)
	}
	_, err := theirs.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("b-site"), Key: aws.String("out.zip")})
	wantS3Error(t, err, "NotFound", "B's site")

	// A new version of A's object starts A's pipeline only. Change
	// detection checks B's pipelines in name order: once it started
	// b-writes-a for a new version of B's object, it had looked at
	// b-reads-a since A's change.
	putObject(t, mine, "a-src", "app.zip", zipOf(t, map[string]string{"index.html": "A's, again"}))
	eventually(t, "A's pipeline to run again", func() bool { return executionCount(t, c, "a-own") == 2 })
	putObject(t, theirs, "b-src", "app.zip", zipOf(t, map[string]string{"index.html": "B's, again"}))
	eventually(t, "b-writes-a to run again", func() bool { return executionCount(t, otherPipelines, "b-writes-a") == 2 })
	if n := executionCount(t, otherPipelines, "b-reads-a"); n != 1 {
		t.Fatalf("B's pipeline ran %d times, want once (at its creation)", n)
	}
}

func executionCount(t *testing.T, c *codepipeline.Client, pipeline string) int {
	t.Helper()
	out, err := c.ListPipelineExecutions(context.Background(), &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(pipeline)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.PipelineExecutionSummaries)
}

// A pipeline cannot keep its artifacts in another account's bucket, nor
// in the server's build log bucket: CreatePipeline and UpdatePipeline
// refuse it, naming the bucket.
func TestArtifactStoreOfAnotherAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	versionedBucket(t, newS3(m), "a-artifacts")
	theirs, _ := otherClients(m)
	for _, bucket := range []string{"a-artifacts", core.LogBucket} {
		p := storedIn(testPipeline("p"), bucket)
		_, err := theirs.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p})
		wantAPIError(t, err, "InvalidStructureException", "'"+bucket+"'")
	}
	must[*codepipeline.CreatePipelineOutput](t)(theirs.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: storedIn(testPipeline("p"), "b-artifacts")}))
	_, err := theirs.UpdatePipeline(ctx, &codepipeline.UpdatePipelineInput{Pipeline: storedIn(testPipeline("p"), "a-artifacts")})
	wantAPIError(t, err, "InvalidStructureException", "'a-artifacts'")
}

// The build log bucket is the server's: its logs are served at /logs,
// and no account reaches it through the S3 endpoint, not even the one
// whose build wrote the log.
func TestBuildLogsOnlyAtLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	c, s := newClient(m), newS3(m)
	versionedBucket(t, s, "src")
	putObject(t, s, "src", "app.zip", zipOf(t, map[string]string{"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands:\n      - echo logged\n"}))
	id := createPipeline(t, c, builtinPipeline("logged",
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "src", "S3ObjectKey": "app.zip", "PollForSourceChanges": "false"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, nil),
	))
	waitExecution(t, c, "logged", id, types.PipelineExecutionStatusSucceeded)
	url := aws.ToString(actionExecutions(t, c, "logged", id)["Build"].Output.ExecutionResult.ExternalExecutionUrl)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(text), "logged") {
		t.Fatalf("log at %s: %d %q", url, resp.StatusCode, text)
	}

	buildID := url[strings.LastIndex(url, "/")+1:]
	_, err = s.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(core.LogBucket), Key: aws.String(core.BuildLog(buildID).Key)})
	wantS3Error(t, err, "AccessDenied", "GetObject of the log")
	_, err = s.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(core.LogBucket), Key: aws.String(core.BuildLog(buildID).Key), Body: strings.NewReader("forged")})
	wantS3Error(t, err, "AccessDenied", "PutObject of the log")
	_, err = s.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(core.LogBucket)})
	wantS3Error(t, err, "BucketAlreadyExists", "CreateBucket of the log bucket")
	if got := bucketNames(t, s); slices.Contains(got, core.LogBucket) {
		t.Fatalf("ListBuckets shows %v", got)
	}
}
