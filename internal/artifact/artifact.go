// Package artifact is the seam to the object storage that holds pipeline
// artifacts and the buckets of the embedded S3 endpoint: buckets, versioned
// objects, ranges and multipart uploads, in S3's own terms. Its drivers are
// file (a directory under the data dir, the default) and s3 (any
// S3-compatible service); artifacttest is the conformance suite both pass.
package artifact

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors every driver returns (wrapped or not) for the same conditions, so
// the S3 endpoint can answer S3's error codes whatever the driver.
var (
	ErrBucketNotFound = errors.New("artifact: no such bucket")
	ErrBucketExists   = errors.New("artifact: bucket already exists")
	ErrBucketNotEmpty = errors.New("artifact: bucket is not empty")
	ErrNotFound       = errors.New("artifact: no such key or version")
	ErrUploadNotFound = errors.New("artifact: no such upload")
	ErrInvalidPart    = errors.New("artifact: invalid part")
	ErrInvalidRange   = errors.New("artifact: range not satisfiable")
	// ErrInvalidBucketName and ErrInvalidKey refuse names S3 would refuse
	// (InvalidBucketName, KeyTooLongError), before any driver sees them.
	ErrInvalidBucketName = errors.New("artifact: invalid bucket name")
	ErrInvalidKey        = errors.New("artifact: invalid key")
)

// NullVersion is the version id of an object written while its bucket's
// versioning was off, as S3 names it.
const NullVersion = "null"

// Bucket describes a bucket.
type Bucket struct {
	Name       string
	Created    time.Time
	Versioning bool
}

// Object describes one version of an object.
type Object struct {
	Key       string
	VersionID string // NullVersion when written without versioning
	Size      int64
	// ETag is the hex MD5 of the content, without quotes, or for a
	// multipart object S3's "<md5 of part md5s>-<parts>".
	ETag         string
	Modified     time.Time
	ContentType  string
	Metadata     map[string]string // user metadata, keys lower-case without x-amz-meta-
	DeleteMarker bool
	Latest       bool // set by ListVersions
}

// PutOptions are what a write records beside the content.
type PutOptions struct {
	ContentType string
	Metadata    map[string]string
}

// Range is a byte range of an object; End is inclusive. A negative Start
// means the last -Start bytes (S3's "bytes=-N"); a negative End reads to
// the end of the object (S3's "bytes=N-"). See Bounds.
type Range struct {
	Start, End int64
}

// ListOptions selects a page of a listing. After is the key (and, for
// versions, AfterVersion the version id) the previous page ended on.
type ListOptions struct {
	Prefix       string
	Delimiter    string
	After        string
	AfterVersion string
	Max          int // 0 means 1000
}

// Listing is one page of objects (or versions) and common prefixes. Its
// objects carry Key, Size, ETag and Modified, and from ListVersions also
// VersionID, DeleteMarker and Latest; a driver may leave the other fields
// empty, as S3's listings do.
type Listing struct {
	Objects   []Object
	Prefixes  []string
	Truncated bool
	// NextKey and NextVersion continue the listing when Truncated.
	NextKey, NextVersion string
}

// Part names one uploaded part when completing a multipart upload.
type Part struct {
	Number int
	ETag   string
}

// Store is the object storage seam. Keys are S3 keys (any UTF-8, "/" has
// no special meaning but for Delimiter). Implementations are safe for
// concurrent use; a Put is atomic: a reader sees the old or the new
// content, never a part.
//
// Every method naming a bucket returns ErrBucketNotFound when it does not
// exist; a key that is not valid UTF-8 or is longer than MaxKeyLen is
// ErrInvalidKey.
type Store interface {
	// CreateBucket returns ErrBucketExists for a taken name and
	// ErrInvalidBucketName for a name S3 would refuse.
	CreateBucket(ctx context.Context, name string) error
	// DeleteBucket returns ErrBucketNotEmpty while any version or delete
	// marker is left in the bucket.
	DeleteBucket(ctx context.Context, name string) error
	// ListBuckets lists every bucket by name.
	ListBuckets(ctx context.Context) ([]Bucket, error)
	BucketInfo(ctx context.Context, name string) (Bucket, error)
	// SetVersioning turns versioning on, or off ("suspended" in S3's terms:
	// the versions already written stay).
	SetVersioning(ctx context.Context, bucket string, enabled bool) error

	// Put writes a new version (versioning on) or replaces the null version.
	Put(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (Object, error)
	// Get reads a version ("" means the latest); a range reads part of it.
	// The Object describes the whole version (Size is its full size) even
	// when the reader yields only the range. A missing key or version, or a
	// delete marker, is ErrNotFound (a driver that knows the marker returns
	// its Object with it); an unsatisfiable range is ErrInvalidRange.
	Get(ctx context.Context, bucket, key, versionID string, rng *Range) (Object, io.ReadCloser, error)
	// Head describes a version as Get does, without its content.
	Head(ctx context.Context, bucket, key, versionID string) (Object, error)
	// Delete removes a version, or without a version id adds a delete
	// marker (versioning on), replaces the null version with a null delete
	// marker (versioning suspended) or removes the null version (versioning
	// never on). Deleting what is not there succeeds, as in S3. It returns
	// the marker or removed version.
	Delete(ctx context.Context, bucket, key, versionID string) (Object, error)
	// Copy copies the latest version of a source object. With opts nil the
	// copy keeps the source's content type and metadata (S3's COPY
	// directive); otherwise opts replace them (REPLACE).
	Copy(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts *PutOptions) (Object, error)
	// List lists the latest versions that are not delete markers, by key.
	List(ctx context.Context, bucket string, opts ListOptions) (Listing, error)
	// ListVersions lists every version and delete marker, by key then newest first.
	ListVersions(ctx context.Context, bucket string, opts ListOptions) (Listing, error)

	CreateUpload(ctx context.Context, bucket, key string, opts PutOptions) (uploadID string, err error)
	// PutPart stores part n (1..10000) of an upload, replacing an earlier
	// part n, and returns its ETag. An unknown upload (or one of another
	// key) is ErrUploadNotFound.
	PutPart(ctx context.Context, bucket, key, uploadID string, n int, body io.Reader) (etag string, err error)
	// CompleteUpload joins the named parts, in order, into a new version.
	// Parts out of order, missing, with another ETag, or smaller than
	// MinPartSize but for the last are ErrInvalidPart.
	CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []Part) (Object, error)
	// AbortUpload drops an upload and its parts; an unknown upload is
	// ErrUploadNotFound.
	AbortUpload(ctx context.Context, bucket, key, uploadID string) error
}
