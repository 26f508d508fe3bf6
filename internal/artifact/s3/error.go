package s3

import (
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// codes maps S3's error codes to the seam's errors.
var codes = map[string]error{
	"NoSuchBucket":            artifact.ErrBucketNotFound,
	"NoSuchKey":               artifact.ErrNotFound,
	"NoSuchVersion":           artifact.ErrNotFound,
	"BucketAlreadyExists":     artifact.ErrBucketExists,
	"BucketAlreadyOwnedByYou": artifact.ErrBucketExists,
	"BucketNotEmpty":          artifact.ErrBucketNotEmpty,
	"NoSuchUpload":            artifact.ErrUploadNotFound,
	"InvalidPart":             artifact.ErrInvalidPart,
	"InvalidPartOrder":        artifact.ErrInvalidPart,
	"EntityTooSmall":          artifact.ErrInvalidPart,
	"InvalidRange":            artifact.ErrInvalidRange,
	"InvalidBucketName":       artifact.ErrInvalidBucketName,
	"KeyTooLongError":         artifact.ErrInvalidKey,
}

// interpret turns an SDK error into one the seam names, keeping the
// service's message. A bare 404 (HEAD answers have no body, so no code)
// is notFound, which the caller picks: a missing bucket or a missing key.
// Where notFound is ErrNotFound (operations on a key), a version id the
// service cannot parse (InvalidArgument) and the 405 S3 answers for
// reading a delete marker by its id are ErrNotFound too.
func interpret(op string, err error, notFound error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if target, ok := codes[apiErr.ErrorCode()]; ok {
			return fmt.Errorf("%s: %w: %w", op, target, err)
		}
		if apiErr.ErrorCode() == "InvalidArgument" && notFound == artifact.ErrNotFound {
			return fmt.Errorf("%s: %w: %w", op, artifact.ErrNotFound, err)
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		switch respErr.HTTPStatusCode() {
		case http.StatusNotFound:
			return fmt.Errorf("%s: %w: %w", op, notFound, err)
		case http.StatusRequestedRangeNotSatisfiable:
			return fmt.Errorf("%s: %w: %w", op, artifact.ErrInvalidRange, err)
		case http.StatusMethodNotAllowed:
			if notFound == artifact.ErrNotFound {
				return fmt.Errorf("%s: %w: %w", op, artifact.ErrNotFound, err)
			}
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isNotFound reports an ErrNotFound from interpret.
func isNotFound(err error) bool { return errors.Is(err, artifact.ErrNotFound) }

// isCodeless404 reports a 404 that carried no S3 error code.
func isCodeless404(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "NotFound" {
		return false
	}
	var respErr *awshttp.ResponseError
	return errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotFound
}
