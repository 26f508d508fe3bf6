package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// newS3 returns the real S3 SDK client pointed at m's S3 endpoint.
func newS3(m *Main, creds ...aws.Credentials) *s3.Client { return newS3URL(m.URL(), creds...) }

// newS3URL returns the real S3 SDK client pointed at a server's URL.
func newS3URL(url string, creds ...aws.Credentials) *s3.Client {
	c := aws.Credentials{AccessKeyID: testAccount, SecretAccessKey: "secret"}
	if len(creds) > 0 {
		c = creds[0]
	}
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		RetryMaxAttempts: 1,
	})
}

// zipOf builds a zip holding the files (name -> content); names ending in
// ".sh" are executable.
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		if len(name) > 3 && name[len(name)-3:] == ".sh" {
			h.SetMode(0o755)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unzipped reads a zip into name -> content.
func unzipped(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		out[f.Name] = string(b)
	}
	return out
}

// versionedBucket creates a bucket with versioning on.
func versionedBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	if err != nil {
		t.Fatalf("versioning of %s: %v", name, err)
	}
}

// putObject uploads body and returns its version id.
func putObject(t *testing.T, c *s3.Client, bucket, key string, body []byte) string {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.VersionId)
}

// getObject downloads an object.
func getObject(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// awsAction declares a built-in action.
func awsAction(name string, cat types.ActionCategory, provider string, cfg map[string]string, in, out []string) types.ActionDeclaration {
	a := types.ActionDeclaration{
		Name: aws.String(name), Configuration: cfg,
		ActionTypeId: &types.ActionTypeId{Category: cat, Owner: types.ActionOwnerAws, Provider: aws.String(provider), Version: aws.String("1")},
	}
	for _, n := range in {
		a.InputArtifacts = append(a.InputArtifacts, types.InputArtifact{Name: aws.String(n)})
	}
	for _, n := range out {
		a.OutputArtifacts = append(a.OutputArtifacts, types.OutputArtifact{Name: aws.String(n)})
	}
	return a
}

// builtinPipeline is a pipeline of one action per stage.
func builtinPipeline(name string, actions ...types.ActionDeclaration) *types.PipelineDeclaration {
	p := &types.PipelineDeclaration{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/pipeline"),
		ArtifactStore: &types.ArtifactStore{Type: types.ArtifactStoreTypeS3, Location: aws.String("artifacts-" + name)},
		PipelineType:  types.PipelineTypeV2,
	}
	for _, a := range actions {
		p.Stages = append(p.Stages, types.StageDeclaration{Name: a.Name, Actions: []types.ActionDeclaration{a}})
	}
	return p
}

// createPipeline creates p and returns the id of the execution it started.
func createPipeline(t *testing.T, c *codepipeline.Client, p *types.PipelineDeclaration) string {
	t.Helper()
	if _, err := c.CreatePipeline(context.Background(), &codepipeline.CreatePipelineInput{Pipeline: p}); err != nil {
		t.Fatalf("create pipeline: %v", err)
	}
	return latestExecution(t, c, aws.ToString(p.Name))
}

// actionExecutions lists an execution's action executions by action name.
func actionExecutions(t *testing.T, c *codepipeline.Client, pipeline, id string) map[string]types.ActionExecutionDetail {
	t.Helper()
	out, err := c.ListActionExecutions(context.Background(), &codepipeline.ListActionExecutionsInput{
		PipelineName: aws.String(pipeline), Filter: &types.ActionExecutionFilter{PipelineExecutionId: aws.String(id)}})
	if err != nil {
		t.Fatalf("list action executions: %v", err)
	}
	m := map[string]types.ActionExecutionDetail{}
	for _, d := range out.ActionExecutionDetails {
		m[aws.ToString(d.ActionName)] = d
	}
	return m
}
