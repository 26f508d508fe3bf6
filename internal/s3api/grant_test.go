package s3api

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-cd/sluice/internal/sigv4"
)

// jobGrant is a job that reads pipe/in.zip and writes pipe/out.zip and
// pipe/big.zip in bucket artifacts.
func jobGrant(expires time.Time) Grant {
	return Grant{
		Credential: sigv4.Credential{
			AccessKeyID: "ASIAJOBTEST", SecretAccessKey: "job-secret",
			SessionToken: "job-session-token/with+chars=", Account: "123456789012", Expires: expires,
		},
		Read: []Location{{"artifacts", "pipe/in.zip"}},
		Write: []Location{
			{"artifacts", "pipe/out.zip"},
			{"artifacts", "pipe/big.zip"},
		},
	}
}

// setupJob builds an open-mode endpoint whose account has made the job's
// input and a neighbour, and registers the job's grant. The job's
// credential is always checked, open mode or not.
func setupJob(t *testing.T, g Grant) (*testBundle, *s3.Client) {
	t.Helper()
	b := setup(t, setupOpts{tls: true})
	admin := b.client(t)
	for _, bk := range []string{"artifacts", "elsewhere"} {
		_, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bk)})
		must(t, err)
	}
	mustPut(t, admin, "artifacts", "pipe/in.zip", []byte("input"))
	mustPut(t, admin, "artifacts", "pipe/other.zip", []byte("another job's"))
	mustPut(t, admin, "elsewhere", "pipe/in.zip", []byte("same key, other bucket"))
	b.jobs.add(g)
	c := g.Credential
	return b, b.clientAs(t, c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func TestJobGrantAllows(t *testing.T) {
	t.Parallel()
	b, job := setupJob(t, jobGrant(time.Now().Add(time.Hour)))

	got, _ := mustGet(t, job, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
	if string(got) != "input" {
		t.Fatalf("read input: %q", got)
	}
	_, err := job.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
	must(t, err)

	mustPut(t, job, "artifacts", "pipe/out.zip", []byte("output"))
	got, _ = mustGet(t, job, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/out.zip")})
	if string(got) != "output" {
		t.Fatalf("read own output: %q", got)
	}

	data := content(11 << 20)
	_, err = manager.NewUploader(job).Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String("artifacts"), Key: aws.String("pipe/big.zip"), Body: io.MultiReader(bytes.NewReader(data)),
	})
	must(t, err)
	got, _ = mustGet(t, b.client(t), &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/big.zip")})
	if sum(got) != sum(data) {
		t.Fatal("multipart output differs")
	}

	// A presigned URL made with the job's credential carries its token.
	url, err := s3.NewPresignClient(job).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
	must(t, err)
	req, err := http.NewRequest(http.MethodGet, url.URL, nil)
	must(t, err)
	resp, body := do(t, b.srv.Client(), req)
	if resp.StatusCode != http.StatusOK || string(body) != "input" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, body)
	}
}

func TestJobGrantDenies(t *testing.T) {
	t.Parallel()
	_, job := setupJob(t, jobGrant(time.Now().Add(time.Hour)))
	calls := []struct {
		name string
		call func() error
	}{
		{"ReadOtherKey", func() error {
			_, err := job.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/other.zip")})
			return err
		}},
		{"ReadOtherBucket", func() error {
			_, err := job.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("elsewhere"), Key: aws.String("pipe/in.zip")})
			return err
		}},
		{"WriteInput", func() error {
			_, err := job.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip"), Body: strings.NewReader("x")})
			return err
		}},
		{"MultipartToInput", func() error {
			_, err := job.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
			return err
		}},
		{"WriteOtherKey", func() error {
			_, err := job.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/else.zip"), Body: strings.NewReader("x")})
			return err
		}},
		{"CopyIntoOutput", func() error {
			_, err := job.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/out.zip"), CopySource: aws.String("artifacts/pipe/in.zip")})
			return err
		}},
		{"DeleteOutput", func() error {
			_, err := job.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/out.zip")})
			return err
		}},
		{"DeleteInput", func() error {
			_, err := job.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
			return err
		}},
		{"ListObjects", func() error {
			_, err := job.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("artifacts"), Prefix: aws.String("pipe/")})
			return err
		}},
		{"ListBuckets", func() error {
			_, err := job.ListBuckets(ctx, &s3.ListBucketsInput{})
			return err
		}},
		{"CreateBucket", func() error {
			_, err := job.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
			return err
		}},
		{"ListVersions", func() error {
			_, err := job.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("artifacts")})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.call()
			requireAPIError(t, err, "AccessDenied")
			requireStatus(t, err, http.StatusForbidden)
		})
	}
}

// TestJobGrantCredential checks the job's credential itself: the endpoint
// is in open mode, so only the grant's secret, token and expiry can
// refuse these.
func TestJobGrantCredential(t *testing.T) {
	t.Parallel()
	get := func(c *s3.Client) error {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
		return err
	}
	cred := jobGrant(time.Time{}).Credential

	t.Run("WrongSecret", func(t *testing.T) {
		t.Parallel()
		b, _ := setupJob(t, jobGrant(time.Now().Add(time.Hour)))
		err := get(b.clientAs(t, cred.AccessKeyID, "not-the-secret", cred.SessionToken))
		requireAPIError(t, err, "SignatureDoesNotMatch")
		requireStatus(t, err, http.StatusForbidden)
	})
	t.Run("TamperedToken", func(t *testing.T) {
		t.Parallel()
		b, _ := setupJob(t, jobGrant(time.Now().Add(time.Hour)))
		err := get(b.clientAs(t, cred.AccessKeyID, cred.SecretAccessKey, cred.SessionToken+"x"))
		requireAPIError(t, err, "InvalidToken")
		err = get(b.clientAs(t, cred.AccessKeyID, cred.SecretAccessKey, ""))
		requireAPIError(t, err, "InvalidToken")
	})
	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		_, job := setupJob(t, jobGrant(time.Now().Add(-time.Second)))
		err := get(job)
		requireAPIError(t, err, "ExpiredToken")
		requireStatus(t, err, http.StatusBadRequest)
	})
	t.Run("ExpiredErrorBody", func(t *testing.T) {
		t.Parallel()
		b, job := setupJob(t, jobGrant(time.Now().Add(-time.Second)))
		url, err := s3.NewPresignClient(job).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
		must(t, err)
		req, err := http.NewRequest(http.MethodGet, url.URL, nil)
		must(t, err)
		resp, body := do(t, b.srv.Client(), req)
		e := s3ErrorOf(t, body)
		if resp.StatusCode != http.StatusBadRequest || e.Code != "ExpiredToken" || e.Message != "The provided token has expired." ||
			e.RequestID != resp.Header.Get("X-Amz-Request-Id") {
			t.Fatalf("%d %+v", resp.StatusCode, e)
		}
	})
}
