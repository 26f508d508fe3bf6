// Package s3 is the artifact driver over any S3-compatible service:
// buckets, versions, ranges and multipart uploads map one to one onto the
// service's own operations, and its errors onto the seam's.
//
// A request body must be seekable for the SDK to sign it over plain HTTP,
// and its length known, so a body that cannot seek (a network stream) is
// spooled to a temp file under os.TempDir first. Bodies past what S3
// takes in one request (5 GiB) go up as multipart uploads.
package s3

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// Store is an artifact.Store over an S3 client.
type Store struct {
	client *awss3.Client
	region string
	// singlePut is the largest body sent in one request, and partSize the
	// least part of larger ones; S3 takes at most 5 GiB in one request.
	singlePut, partSize int64
}

var _ artifact.Store = (*Store)(nil)

// New returns a store over client, configured as its caller likes.
func New(client *awss3.Client) *Store {
	return &Store{client: client, region: client.Options().Region, singlePut: 5 << 30, partSize: 256 << 20}
}

// Config names an S3-compatible service and the credentials to use.
type Config struct {
	// Endpoint is the service's base URL, as "https://minio.local:9000";
	// empty means AWS's own endpoint for Region.
	Endpoint string
	Region   string // defaults to us-east-1
	// AccessKeyID and SecretAccessKey (and SessionToken for temporary
	// credentials) sign requests; without them requests go unsigned.
	AccessKeyID, SecretAccessKey, SessionToken string
	// PathStyle puts the bucket in the path (/bucket/key) rather than the
	// host name, as most services other than AWS need.
	PathStyle bool
}

// Open returns a store over the service cfg names. It makes no request:
// a wrong endpoint or credentials show on first use.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.AccessKeyID == "" && cfg.SecretAccessKey != "" {
		return nil, errors.New("open s3 store: a secret access key without its key id")
	}
	opts := awss3.Options{
		Region:       cfg.Region,
		UsePathStyle: cfg.PathStyle,
		// Checksums only where an operation requires one: many S3-compatible
		// services refuse the trailing checksums the SDK adds otherwise.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	if cfg.AccessKeyID != "" {
		opts.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	} else {
		opts.Credentials = aws.AnonymousCredentials{}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open s3 store: %w", err)
	}
	return New(awss3.New(opts)), nil
}
