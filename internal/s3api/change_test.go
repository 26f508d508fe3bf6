package s3api

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestOnChange checks that every committed change is reported once, with
// the version written, and that failures and reads report nothing.
func TestOnChange(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{tls: true})
	c := b.client(t)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("source")})
	must(t, err)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("source"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	must(t, err)

	put := mustPut(t, c, "source", "app.zip", []byte("v1"))
	up, err := manager.NewUploader(c).Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("source"), Key: aws.String("big.zip"),
		Body: bytes.NewReader(content(6 << 20))})
	must(t, err)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("source"), Key: aws.String("copy.zip"), CopySource: aws.String("source/app.zip")})
	must(t, err)
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("source"), Key: aws.String("app.zip")})
	must(t, err)
	// Neither a read nor a failed write is a change.
	mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("source"), Key: aws.String("big.zip")})
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("missing"), Key: aws.String("k"), Body: strings.NewReader("x")})
	requireAPIError(t, err, "NoSuchBucket")

	events := b.events.all()
	want := []struct {
		key, version string
		deleted      bool
	}{
		{"app.zip", *put.VersionId, false},
		{"big.zip", *up.VersionID, false},
		{"copy.zip", "", false},
		{"app.zip", *del.VersionId, true},
	}
	if len(events) != len(want) {
		t.Fatalf("%d events: %+v", len(events), events)
	}
	for i, w := range want {
		e := events[i]
		if e.Bucket != "source" || e.Key != w.key || e.Deleted != w.deleted || (w.version != "" && e.Object.VersionID != w.version) {
			t.Fatalf("event %d: %+v, want %+v", i, e, w)
		}
	}
	if !events[3].Object.DeleteMarker || events[1].Object.Size != 6<<20 || events[0].Object.ETag == "" {
		t.Fatalf("event objects: %+v", events)
	}
}
