package s3api

import (
	"context"

	"github.com/rclone/gofakes3"
)

// The wire layer's versioned operations take no context; the store is
// asked without one and the request's state is not at hand. The versioned
// reads it makes through these are GET and DELETE with a versionId; HEAD
// with one goes through HeadObject.

func (b *backend) VersioningConfiguration(bucket string) (gofakes3.VersioningConfiguration, error) {
	ctx := context.Background()
	info, err := b.store.BucketInfo(ctx, bucket)
	if err != nil {
		return gofakes3.VersioningConfiguration{}, b.fail(ctx, err, bucket, "")
	}
	var v gofakes3.VersioningConfiguration
	if info.Versioning {
		// The store keeps on or off; off answers as never enabled, since
		// it cannot tell "Suspended" apart.
		v.Status = gofakes3.VersioningEnabled
	}
	return v, nil
}

func (b *backend) SetVersioningConfiguration(bucket string, v gofakes3.VersioningConfiguration) error {
	if v.MFADelete.Enabled() {
		return gofakes3.ErrorMessage(gofakes3.ErrNotImplemented, "MFA delete is not supported.")
	}
	ctx := context.Background()
	if err := b.store.SetVersioning(ctx, bucket, v.Status == gofakes3.VersioningEnabled); err != nil {
		return b.fail(ctx, err, bucket, "")
	}
	return nil
}

func (b *backend) GetObjectVersion(bucket, key string, version gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return b.get(context.Background(), bucket, key, string(version), rng)
}

func (b *backend) HeadObjectVersion(bucket, key string, version gofakes3.VersionID) (*gofakes3.Object, error) {
	return b.head(context.Background(), bucket, key, string(version))
}

func (b *backend) DeleteObjectVersion(bucket, key string, version gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	return b.delete(context.Background(), bucket, key, string(version))
}
