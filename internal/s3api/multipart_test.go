package s3api

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestSDKMultipart uploads 12 MiB with the SDK's upload manager (5 MiB
// parts, sent concurrently) and reads it back whole. Over TLS with an
// unseekable body every part is aws-chunked with a CRC32 trailer, the case
// that corrupts objects when a server keeps the framing.
func TestSDKMultipart(t *testing.T) {
	t.Parallel()
	data := content(12 << 20)
	cases := []struct {
		name    string
		tls     bool
		body    func() io.Reader
		payload string // a form every part must have been sent in
	}{
		{"TLSUnseekable", true, func() io.Reader { return io.MultiReader(bytes.NewReader(data)) }, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
		{"TLSSeekable", true, func() io.Reader { return bytes.NewReader(data) }, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
		{"HTTPSeekable", false, func() io.Reader { return bytes.NewReader(data) }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{tls: c.tls})
			client := b.client(t)
			_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")})
			must(t, err)
			up, err := manager.NewUploader(client).Upload(ctx, &s3.PutObjectInput{
				Bucket: aws.String("big"), Key: aws.String("out/artifact.zip"), Body: c.body(),
			})
			must(t, err)
			if up.UploadID == "" || !strings.HasSuffix(*up.ETag, `-3"`) {
				t.Fatalf("upload %q, etag %s: not a 3-part upload", up.UploadID, *up.ETag)
			}
			got, out := mustGet(t, client, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("out/artifact.zip")})
			if sum(got) != sum(data) {
				t.Fatalf("read back %d bytes with another SHA-256 (want %d bytes)", len(got), len(data))
			}
			if *out.ETag != *up.ETag {
				t.Fatalf("GET etag %s, upload etag %s", *out.ETag, *up.ETag)
			}
			head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("big"), Key: aws.String("out/artifact.zip")})
			must(t, err)
			if *head.ETag != *up.ETag || *head.ContentLength != int64(len(data)) {
				t.Fatalf("HEAD etag %s, %d bytes", *head.ETag, *head.ContentLength)
			}
			if c.payload != "" && !b.payloads.has(c.payload) {
				t.Fatalf("no request sent %s", c.payload)
			}
		})
	}

	t.Run("Abort", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{tls: true})
		client := b.client(t)
		_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")})
		must(t, err)
		created, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("k")})
		must(t, err)
		_, err = client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("big"), Key: aws.String("k"),
			UploadId: created.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
		must(t, err)
		_, err = client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("k"), UploadId: created.UploadId})
		must(t, err)
		_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("k"),
			UploadId: created.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String("x")}}}})
		requireAPIError(t, err, "NoSuchUpload")
	})
}
