package s3

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// List uses the first version of ListObjects, whose marker may be a
// common prefix: a page that ends on one goes on after all its keys.
func (s *Store) List(ctx context.Context, bucket string, opts artifact.ListOptions) (artifact.Listing, error) {
	if err := checkBucket(bucket); err != nil {
		return artifact.Listing{}, err
	}
	out, err := s.client.ListObjects(ctx, &awss3.ListObjectsInput{
		Bucket: aws.String(bucket), Prefix: nonEmpty(opts.Prefix), Delimiter: nonEmpty(opts.Delimiter),
		Marker: nonEmpty(opts.After), MaxKeys: aws.Int32(int32(opts.PageSize())),
	})
	if err != nil {
		return artifact.Listing{}, interpret("list "+bucket, err, artifact.ErrBucketNotFound)
	}
	l := artifact.Listing{Truncated: aws.ToBool(out.IsTruncated), Prefixes: prefixes(out.CommonPrefixes)}
	for _, o := range out.Contents {
		l.Objects = append(l.Objects, artifact.Object{
			Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: etag(o.ETag), Modified: aws.ToTime(o.LastModified),
		})
	}
	if l.Truncated {
		l.NextKey = lastEntry(l)
	}
	return l, nil
}

// ListVersions merges the versions and delete markers the SDK answers in
// two lists back into S3's one order: by key, then newest first.
func (s *Store) ListVersions(ctx context.Context, bucket string, opts artifact.ListOptions) (artifact.Listing, error) {
	if err := checkBucket(bucket); err != nil {
		return artifact.Listing{}, err
	}
	in := &awss3.ListObjectVersionsInput{
		Bucket: aws.String(bucket), Prefix: nonEmpty(opts.Prefix), Delimiter: nonEmpty(opts.Delimiter),
		KeyMarker: nonEmpty(opts.After), MaxKeys: aws.Int32(int32(opts.PageSize())),
	}
	if opts.After != "" {
		in.VersionIdMarker = nonEmpty(opts.AfterVersion)
	}
	out, err := s.client.ListObjectVersions(ctx, in)
	if err != nil {
		return artifact.Listing{}, interpret("list versions of "+bucket, err, artifact.ErrBucketNotFound)
	}
	l := artifact.Listing{Truncated: aws.ToBool(out.IsTruncated), Prefixes: prefixes(out.CommonPrefixes)}
	for _, v := range out.Versions {
		l.Objects = append(l.Objects, artifact.Object{
			Key: aws.ToString(v.Key), VersionID: versionOf(v.VersionId), Size: aws.ToInt64(v.Size),
			ETag: etag(v.ETag), Modified: aws.ToTime(v.LastModified), Latest: aws.ToBool(v.IsLatest),
		})
	}
	for _, m := range out.DeleteMarkers {
		l.Objects = append(l.Objects, artifact.Object{
			Key: aws.ToString(m.Key), VersionID: versionOf(m.VersionId), Modified: aws.ToTime(m.LastModified),
			Latest: aws.ToBool(m.IsLatest), DeleteMarker: true,
		})
	}
	slices.SortStableFunc(l.Objects, newestFirst)
	if l.Truncated {
		l.NextKey, l.NextVersion = aws.ToString(out.NextKeyMarker), aws.ToString(out.NextVersionIdMarker)
	}
	if l.Truncated && l.NextKey == "" { // S3 sends the markers; some services do not
		l.NextKey = lastEntry(l)
		if n := len(l.Objects); n > 0 && l.Objects[n-1].Key == l.NextKey {
			l.NextVersion = l.Objects[n-1].VersionID
		}
	}
	return l, nil
}

// newestFirst orders versions by key, then the latest, then by time;
// versions the service gave the same time keep their order.
func newestFirst(a, b artifact.Object) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if a.Latest != b.Latest {
		if a.Latest {
			return -1
		}
		return 1
	}
	return cmp.Compare(b.Modified.UnixNano(), a.Modified.UnixNano())
}

func prefixes(cps []types.CommonPrefix) []string {
	var out []string
	for _, p := range cps {
		out = append(out, aws.ToString(p.Prefix))
	}
	return out
}

// lastEntry is the greatest key or prefix of a page, where the next
// page starts after.
func lastEntry(l artifact.Listing) string {
	last := ""
	if n := len(l.Objects); n > 0 {
		last = l.Objects[n-1].Key
	}
	if n := len(l.Prefixes); n > 0 {
		last = max(last, l.Prefixes[n-1])
	}
	return last
}
