package s3api

import (
	"context"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// listOptions maps the wire layer's prefix and page onto the store's.
// A nil prefix lists everything.
func listOptions(prefix *gofakes3.Prefix, after string, max int64) artifact.ListOptions {
	opts := artifact.ListOptions{After: after, Max: int(max)}
	if prefix != nil {
		opts.Prefix, opts.Delimiter = prefix.Prefix, prefix.Delimiter
	}
	return opts
}

// ListBucket serves ListObjects and ListObjectsV2; the wire layer turns
// NextMarker into V2's continuation token.
func (b *backend) ListBucket(ctx context.Context, bucket string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	l, err := b.store.List(ctx, bucket, listOptions(prefix, page.Marker, page.MaxKeys))
	if err != nil {
		return nil, b.fail(ctx, err, bucket, "")
	}
	out := &gofakes3.ObjectList{IsTruncated: l.Truncated}
	if l.Truncated {
		out.NextMarker = l.NextKey
	}
	for _, o := range l.Objects {
		out.Add(&gofakes3.Content{
			Key:          o.Key,
			LastModified: gofakes3.NewContentTime(o.Modified),
			ETag:         quote(o.ETag),
			Size:         o.Size,
			StorageClass: gofakes3.StorageStandard,
		})
	}
	for _, p := range l.Prefixes {
		out.AddPrefix(p)
	}
	return out, nil
}

// ListBucketVersions serves ListObjectVersions. The wire layer has no
// context to give; the store is asked without one.
func (b *backend) ListBucketVersions(bucket string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	ctx := context.Background()
	var opts artifact.ListOptions
	if page != nil {
		opts = listOptions(prefix, page.KeyMarker, page.MaxKeys)
		opts.AfterVersion = string(page.VersionIDMarker)
	} else {
		opts = listOptions(prefix, "", 0)
	}
	l, err := b.store.ListVersions(ctx, bucket, opts)
	if err != nil {
		return nil, b.fail(ctx, err, bucket, "")
	}
	out := gofakes3.NewListBucketVersionsResult(bucket, prefix, page)
	out.IsTruncated = l.Truncated
	if l.Truncated {
		out.NextKeyMarker, out.NextVersionIDMarker = l.NextKey, gofakes3.VersionID(l.NextVersion)
	}
	for _, o := range l.Objects {
		out.Versions = append(out.Versions, versionItem(o))
	}
	for _, p := range l.Prefixes {
		out.AddPrefix(p)
	}
	return out, nil
}

// versionItem lists a version under its own id, "null" included.
func versionItem(o artifact.Object) gofakes3.VersionItem {
	modified := gofakes3.NewContentTime(o.Modified)
	if o.DeleteMarker {
		return &gofakes3.DeleteMarker{Key: o.Key, VersionID: gofakes3.VersionID(o.VersionID), IsLatest: o.Latest, LastModified: modified}
	}
	return &gofakes3.Version{
		Key: o.Key, VersionID: gofakes3.VersionID(o.VersionID), IsLatest: o.Latest, LastModified: modified,
		Size: o.Size, ETag: quote(o.ETag), StorageClass: gofakes3.StorageStandard,
	}
}
