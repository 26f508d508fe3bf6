package s3api

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// balance puts one address in front of two endpoints, as a load balancer
// in front of replicas: every UploadPart goes to second, every other
// request to first. The bundle it returns only has a server to make a
// client of; parts counts the requests second served.
func balance(t *testing.T, first, second *testBundle) (lb *testBundle, parts *atomic.Int64) {
	t.Helper()
	parts = new(atomic.Int64)
	a, b := first.server.Handler(), second.server.Handler()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("partNumber") {
			parts.Add(1)
			b.ServeHTTP(w, r)
			return
		}
		a.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &testBundle{srv: srv}, parts
}

// TestMultipartAcrossServers uploads 12 MiB with the SDK's upload manager
// through a balancer in front of two endpoints over one store: the upload
// is created and completed on one, and every part goes to the other,
// which never saw it begin.
func TestMultipartAcrossServers(t *testing.T) {
	t.Parallel()
	first := setup(t, setupOpts{tls: true})
	second := setup(t, setupOpts{tls: true, store: first.store})
	lb, parts := balance(t, first, second)
	client := lb.client(t)
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")})
	must(t, err)

	data := content(12 << 20)
	up, err := manager.NewUploader(client).Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String("shared"), Key: aws.String("out/artifact.zip"), Body: io.MultiReader(bytes.NewReader(data)),
	})
	must(t, err)
	if !strings.HasSuffix(*up.ETag, `-3"`) || parts.Load() != 3 {
		t.Fatalf("etag %s after %d parts on the second endpoint: not a 3-part upload", *up.ETag, parts.Load())
	}
	got, out := mustGet(t, second.client(t), &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("out/artifact.zip")})
	if sum(got) != sum(data) || *out.ETag != *up.ETag {
		t.Fatalf("read back %d bytes, etag %s; want %d bytes, etag %s", len(got), *out.ETag, len(data), *up.ETag)
	}
	if events := first.events.all(); len(events) != 1 || events[0].Key != "out/artifact.zip" || quote(events[0].Object.ETag) != *up.ETag {
		t.Fatalf("first endpoint's events: %+v", events)
	}

	// Begun on one, aborted on the other: gone for both.
	created, err := first.client(t).CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	must(t, err)
	part := uploadPart(t, second.client(t), "shared", "k", *created.UploadId, 1, []byte("part"))
	_, err = second.client(t).AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("shared"), Key: aws.String("k"), UploadId: created.UploadId})
	must(t, err)
	_, err = completeUpload(first.client(t), "shared", "k", *created.UploadId, part)
	requireAPIError(t, err, "NoSuchUpload")
}

// TestMultipartSurvivesRestart begins an upload, replaces the endpoint and
// its store with new ones over the same directory, as a restart does, and
// finishes the upload there.
func TestMultipartSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "artifacts")
	before := setup(t, setupOpts{store: mustFileStore(t, dir)})
	c := before.client(t)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("restart")})
	must(t, err)
	created, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("restart"), Key: aws.String("k"),
		ContentType: aws.String("application/zip"), Metadata: map[string]string{"stage": "build"}})
	must(t, err)
	data := content(6 << 20)
	first := uploadPart(t, c, "restart", "k", *created.UploadId, 1, data[:5<<20])
	before.srv.Close()

	after := setup(t, setupOpts{store: mustFileStore(t, dir)})
	c = after.client(t)
	second := uploadPart(t, c, "restart", "k", *created.UploadId, 2, data[5<<20:])
	done, err := completeUpload(c, "restart", "k", *created.UploadId, first, second)
	must(t, err)
	got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("restart"), Key: aws.String("k")})
	if sum(got) != sum(data) || *out.ETag != *done.ETag || !strings.HasSuffix(*done.ETag, `-2"`) {
		t.Fatalf("read back %d bytes, etag %s; completed etag %s", len(got), *out.ETag, *done.ETag)
	}
	if *out.ContentType != "application/zip" || out.Metadata["stage"] != "build" {
		t.Fatalf("content type %q, metadata %v", *out.ContentType, out.Metadata)
	}
}

// TestMultipartErrors checks S3's codes for what an upload refuses, and
// that the upload is still there to complete after every refusal.
func TestMultipartErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.client(t)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mperr")})
	must(t, err)
	created, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("k")})
	must(t, err)
	id := *created.UploadId
	small := uploadPart(t, c, "mperr", "k", id, 1, []byte("small"))
	last := uploadPart(t, c, "mperr", "k", id, 2, []byte("last"))
	const unknown = "0123456789abcdef0123456789abcdef"
	other := types.CompletedPart{PartNumber: aws.Int32(1), ETag: aws.String(`"` + strings.Repeat("0", 32) + `"`)}
	missing := types.CompletedPart{PartNumber: aws.Int32(3), ETag: small.ETag}

	cases := []struct {
		name, code string
		call       func() error
	}{
		{"PartOfUnknownUpload", "NoSuchUpload", func() error {
			_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("k"),
				UploadId: aws.String(unknown), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
			return err
		}},
		{"PartOfAnotherKey", "NoSuchUpload", func() error {
			_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("other"),
				UploadId: aws.String(id), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
			return err
		}},
		{"CompleteUnknownUpload", "NoSuchUpload", func() error { _, err := completeUpload(c, "mperr", "k", unknown, last); return err }},
		{"AbortUnknownUpload", "NoSuchUpload", func() error {
			_, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mperr"), Key: aws.String("k"), UploadId: aws.String(unknown)})
			return err
		}},
		{"PartNumberTooLarge", "InvalidPart", func() error {
			_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mperr"), Key: aws.String("k"),
				UploadId: aws.String(id), PartNumber: aws.Int32(10001), Body: strings.NewReader("x")})
			return err
		}},
		{"OtherETag", "InvalidPart", func() error { _, err := completeUpload(c, "mperr", "k", id, other); return err }},
		{"MissingPart", "InvalidPart", func() error { _, err := completeUpload(c, "mperr", "k", id, missing); return err }},
		{"Descending", "InvalidPartOrder", func() error { _, err := completeUpload(c, "mperr", "k", id, last, small); return err }},
		{"Repeated", "InvalidPartOrder", func() error { _, err := completeUpload(c, "mperr", "k", id, small, small); return err }},
		{"SmallPart", "EntityTooSmall", func() error { _, err := completeUpload(c, "mperr", "k", id, small, last); return err }},
		{"NoParts", "MalformedXML", func() error { _, err := completeUpload(c, "mperr", "k", id); return err }},
		{"ListParts", "NotImplemented", func() error {
			_, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mperr"), Key: aws.String("k"), UploadId: aws.String(id)})
			return err
		}},
		{"ListMultipartUploads", "NotImplemented", func() error {
			_, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mperr")})
			return err
		}},
	}
	for _, tc := range cases {
		requireAPIError(t, tc.call(), tc.code)
	}

	req := signed(t, b, http.MethodPost, "/mperr/k?uploadId="+id, []byte("<CompleteMultipartUpload><Part>"), "UNSIGNED-PAYLOAD", nil)
	resp, body := do(t, b.srv.Client(), req)
	if e := s3ErrorOf(t, body); resp.StatusCode != http.StatusBadRequest || e.Code != "MalformedXML" {
		t.Fatalf("broken XML: %d %+v", resp.StatusCode, e)
	}

	_, err = completeUpload(c, "mperr", "k", id, last)
	must(t, err)
	if got, _ := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("mperr"), Key: aws.String("k")}); string(got) != "last" {
		t.Fatalf("completed with one part: %q", got)
	}
}

// TestJobGrantMultipart checks that a job may take part in an upload of
// its Write objects only, whoever began it.
func TestJobGrantMultipart(t *testing.T) {
	t.Parallel()
	b, job := setupJob(t, jobGrant(time.Now().Add(time.Hour)))
	admin := b.client(t)
	input, err := admin.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
	must(t, err)
	id := input.UploadId
	_, err = job.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip"),
		UploadId: id, PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	requireAPIError(t, err, "AccessDenied")
	_, err = completeUpload(job, "artifacts", "pipe/in.zip", *id, types.CompletedPart{PartNumber: aws.Int32(1), ETag: aws.String("x")})
	requireAPIError(t, err, "AccessDenied")
	_, err = job.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip"), UploadId: id})
	requireAPIError(t, err, "AccessDenied")
	_, err = job.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("artifacts")})
	requireAPIError(t, err, "AccessDenied")

	// An output the account began, the job continues and completes.
	output, err := admin.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/out.zip")})
	must(t, err)
	part := uploadPart(t, job, "artifacts", "pipe/out.zip", *output.UploadId, 1, []byte("output"))
	_, err = completeUpload(job, "artifacts", "pipe/out.zip", *output.UploadId, part)
	must(t, err)
	if got, _ := mustGet(t, job, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/out.zip")}); string(got) != "output" {
		t.Fatalf("job's output: %q", got)
	}
}

// uploadPart sends part n of an upload and returns it as completion names it.
func uploadPart(t testing.TB, c *s3.Client, bucket, key, id string, n int32, data []byte) types.CompletedPart {
	t.Helper()
	out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: &id,
		PartNumber: aws.Int32(n), Body: bytes.NewReader(data)})
	must(t, err)
	return types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag}
}

func completeUpload(c *s3.Client, bucket, key, id string, parts ...types.CompletedPart) (*s3.CompleteMultipartUploadOutput, error) {
	return c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: &id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
}
