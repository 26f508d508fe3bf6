package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// transformPipeline: an S3 source, a custom Transform action a test worker
// works with the artifact credentials it is handed, and an S3 deploy of
// the transform's output.
func transformPipeline(t *testing.T, c *codepipeline.Client, s *s3.Client, name string) {
	t.Helper()
	versionedBucket(t, s, "in-"+name)
	putObject(t, s, "in-"+name, "src.zip", zipOf(t, map[string]string{"data.txt": "input of " + name}))
	if _, err := s.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("out-" + name)}); err != nil {
		t.Fatal(err)
	}
	transform := types.ActionDeclaration{
		Name: aws.String("Transform"), ActionTypeId: customID(types.ActionCategoryBuild, "Transform"),
		Configuration:   map[string]string{"Project": name},
		InputArtifacts:  []types.InputArtifact{{Name: aws.String("Src")}},
		OutputArtifacts: []types.OutputArtifact{{Name: aws.String("Out")}},
	}
	createPipeline(t, c, builtinPipeline(name,
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "in-" + name, "S3ObjectKey": "src.zip"}, nil, []string{"Src"}),
		transform,
		awsAction("Deploy", types.ActionCategoryDeploy, "S3", map[string]string{"BucketName": "out-" + name, "Extract": "false", "ObjectKey": "out.zip"}, []string{"Out"}, nil),
	))
}

// wantS3Error asserts err is the S3 error code.
func wantS3Error(t *testing.T, err error, code, what string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("%s: error = %v, want %s", what, err, code)
	}
}

func jobS3(m *Main, job types.Job) *s3.Client {
	cr := job.Data.ArtifactCredentials
	return newS3(m, aws.Credentials{AccessKeyID: aws.ToString(cr.AccessKeyId),
		SecretAccessKey: aws.ToString(cr.SecretAccessKey), SessionToken: aws.ToString(cr.SessionToken)})
}

// A job worker written with the Go SDK downloads its input artifact and
// uploads its output with the credentials the job hands it, and those
// credentials open nothing else.
func TestArtifactCredentials(t *testing.T) {
	m := MustOpen(t)
	c, s := newClient(m), newS3(m)
	ctx := context.Background()
	setupTypes(t, c, "TransformSrc", "Transform")
	transformPipeline(t, c, s, "one")
	transformPipeline(t, c, s, "two")

	job := pollOne(t, c, customID(types.ActionCategoryBuild, "Transform"), map[string]string{"Project": "one"})
	ackJob(t, c, job)
	other := pollOne(t, c, customID(types.ActionCategoryBuild, "Transform"), map[string]string{"Project": "two"})
	in, out := job.Data.InputArtifacts[0].Location.S3Location, job.Data.OutputArtifacts[0].Location.S3Location
	js := jobS3(m, job)

	input := unzipped(t, getObject(t, js, aws.ToString(in.BucketName), aws.ToString(in.ObjectKey)))
	if input["data.txt"] != "input of one" {
		t.Fatalf("input artifact = %v", input)
	}
	result := zipOf(t, map[string]string{"result.txt": "transformed " + input["data.txt"]})
	putObject(t, js, aws.ToString(out.BucketName), aws.ToString(out.ObjectKey), result)

	// Nothing else: not the other pipeline's input, not writing its own
	// input, not listing or deleting.
	oin := other.Data.InputArtifacts[0].Location.S3Location
	_, err := js.GetObject(ctx, &s3.GetObjectInput{Bucket: oin.BucketName, Key: oin.ObjectKey})
	wantS3Error(t, err, "AccessDenied", "reading another pipeline's artifact")
	_, err = js.PutObject(ctx, &s3.PutObjectInput{Bucket: in.BucketName, Key: in.ObjectKey, Body: bytes.NewReader([]byte("x"))})
	wantS3Error(t, err, "AccessDenied", "writing its input")
	_, err = js.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: in.BucketName})
	wantS3Error(t, err, "AccessDenied", "listing the artifact bucket")
	_, err = js.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("in-one"), Key: aws.String("src.zip")})
	wantS3Error(t, err, "AccessDenied", "reading the source bucket")
	// A wrong secret does not sign for the job's key.
	forged := newS3(m, aws.Credentials{AccessKeyID: aws.ToString(job.Data.ArtifactCredentials.AccessKeyId),
		SecretAccessKey: "forged", SessionToken: aws.ToString(job.Data.ArtifactCredentials.SessionToken)})
	_, err = forged.GetObject(ctx, &s3.GetObjectInput{Bucket: in.BucketName, Key: in.ObjectKey})
	wantS3Error(t, err, "SignatureDoesNotMatch", "a forged secret")

	succeed(t, c, job, nil, nil)
	id := latestExecution(t, c, "one")
	waitExecution(t, c, "one", id, types.PipelineExecutionStatusSucceeded)
	if got := getObject(t, s, "out-one", "out.zip"); !bytes.Equal(got, result) {
		t.Fatalf("deployed output differs from what the worker uploaded")
	}
	// The job is over: its credentials open nothing any more.
	_, err = js.GetObject(ctx, &s3.GetObjectInput{Bucket: in.BucketName, Key: in.ObjectKey})
	wantS3Error(t, err, "InvalidAccessKeyId", "credentials of a finished job")
}

// Artifact credentials expire.
func TestArtifactCredentialsExpire(t *testing.T) {
	m := MustOpen(t, func(c *Config) { c.Timeouts.Credentials = time.Millisecond })
	c, s := newClient(m), newS3(m)
	setupTypes(t, c, "TransformSrc", "Transform")
	transformPipeline(t, c, s, "exp")
	job := pollOne(t, c, customID(types.ActionCategoryBuild, "Transform"), map[string]string{"Project": "exp"})
	in := job.Data.InputArtifacts[0].Location.S3Location
	js := jobS3(m, job)
	// They last a millisecond: once that has passed, every use is refused.
	eventually(t, "the credentials to expire", func() bool {
		_, err := js.GetObject(context.Background(), &s3.GetObjectInput{Bucket: in.BucketName, Key: in.ObjectKey})
		return err != nil
	})
	_, err := js.GetObject(context.Background(), &s3.GetObjectInput{Bucket: in.BucketName, Key: in.ObjectKey})
	wantS3Error(t, err, "ExpiredToken", "expired credentials")
}
