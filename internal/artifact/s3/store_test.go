package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/artifact/s3"
)

// A body over the single-request limit goes up in parts, read from a
// stream that cannot seek.
func TestPutInParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	s3.SetPartSizes(s, 6<<20, artifact.MinPartSize)
	if err := s.CreateBucket(ctx, "parts"); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 12<<20+123)
	rand.NewChaCha8([32]byte{3}).Read(body)
	obj, err := s.Put(ctx, "parts", "big", struct{ io.Reader }{bytes.NewReader(body)}, artifact.PutOptions{ContentType: "application/zip"})
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size != int64(len(body)) || obj.ContentType != "application/zip" {
		t.Fatalf("put in parts = %+v", obj)
	}
	_, rd, err := s.Get(ctx, "parts", "big", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	got, err := io.ReadAll(rd)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(body) {
		t.Fatalf("read back %d bytes (err %v), they differ", len(got), err)
	}
}

func TestInterpret(t *testing.T) {
	t.Parallel()
	coded := func(code string, status int) error {
		return &smithy.OperationError{ServiceID: "S3", OperationName: "Op", Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
				Err: &smithy.GenericAPIError{Code: code, Message: "m"}},
		}}
	}
	cases := []struct {
		err      error
		notFound error
		want     error
	}{
		{coded("NoSuchBucket", 404), artifact.ErrNotFound, artifact.ErrBucketNotFound},
		{coded("NoSuchKey", 404), artifact.ErrNotFound, artifact.ErrNotFound},
		{coded("NoSuchVersion", 404), artifact.ErrNotFound, artifact.ErrNotFound},
		{coded("BucketAlreadyOwnedByYou", 409), artifact.ErrBucketNotFound, artifact.ErrBucketExists},
		{coded("BucketAlreadyExists", 409), artifact.ErrBucketNotFound, artifact.ErrBucketExists},
		{coded("BucketNotEmpty", 409), artifact.ErrBucketNotFound, artifact.ErrBucketNotEmpty},
		{coded("NoSuchUpload", 404), artifact.ErrUploadNotFound, artifact.ErrUploadNotFound},
		{coded("InvalidPart", 400), artifact.ErrUploadNotFound, artifact.ErrInvalidPart},
		{coded("EntityTooSmall", 400), artifact.ErrUploadNotFound, artifact.ErrInvalidPart},
		{coded("InvalidRange", 416), artifact.ErrNotFound, artifact.ErrInvalidRange},
		{coded("NotFound", 404), artifact.ErrBucketNotFound, artifact.ErrBucketNotFound},
		{coded("NotFound", 404), artifact.ErrNotFound, artifact.ErrNotFound},
		{coded("MethodNotAllowed", 405), artifact.ErrNotFound, artifact.ErrNotFound},
		{coded("InvalidArgument", 400), artifact.ErrNotFound, artifact.ErrNotFound},
	}
	for _, c := range cases {
		got := s3.Interpret("op", c.err, c.notFound)
		if !errors.Is(got, c.want) {
			t.Errorf("%v (404 means %v) = %v, want %v", c.err, c.notFound, got, c.want)
		}
	}
	if got := s3.Interpret("op", coded("InternalError", 500), artifact.ErrNotFound); !strings.HasPrefix(got.Error(), "op: ") || errors.Is(got, artifact.ErrNotFound) {
		t.Errorf("an unknown error became %v", got)
	}
	if err := s3.Interpret("op", nil, artifact.ErrNotFound); err != nil {
		t.Errorf("nil became %v", err)
	}
}

func TestOpenConfig(t *testing.T) {
	t.Parallel()
	if _, err := s3.Open(context.Background(), s3.Config{SecretAccessKey: "x"}); err == nil {
		t.Fatal("a secret without a key id was taken")
	}
	if _, err := s3.Open(context.Background(), s3.Config{}); err != nil {
		t.Fatalf("anonymous store: %v", err)
	}
}
