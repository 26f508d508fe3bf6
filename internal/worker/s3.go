package worker

import (
	"context"
	"errors"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/wire"
)

// revisionSummaryKey is the object metadata CodePipeline shows as the
// revision summary of an S3 source.
const revisionSummaryKey = "codepipeline-artifact-revision-summary"

// S3Source fetches the latest version of an object of a versioned bucket
// (or the version or key a source revision override names) as the output
// artifact; the revision is the object's version id.
type S3Source struct{}

// Run implements Provider.
func (S3Source) Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error) {
	bucket, err := w.Require("S3Bucket")
	if err != nil {
		return nil, err
	}
	key, err := w.Require("S3ObjectKey")
	if err != nil {
		return nil, err
	}
	if err := w.checkBucket(ctx, bucket); err != nil {
		return nil, err
	}
	b, err := w.Store().BucketInfo(ctx, bucket)
	if errors.Is(err, artifact.ErrBucketNotFound) {
		return nil, configError("The S3 bucket %s does not exist", bucket)
	} else if err != nil {
		return nil, err
	}
	if !b.Versioning {
		return nil, configError("The S3 bucket %s must have versioning enabled to be a source", bucket)
	}
	key, version := s3Target(w, key)
	obj, body, err := w.Store().Get(ctx, bucket, key, version, nil)
	if errors.Is(err, artifact.ErrNotFound) {
		what := "s3://" + bucket + "/" + key
		if version != "" {
			what += " version " + version
		}
		return nil, &Failure{Type: wire.FailureTypeRevisionUnavailable, Message: "The object " + what + " does not exist"}
	} else if err != nil {
		return nil, err
	}
	defer body.Close()
	if err := w.UploadOutput(ctx, 0, body); err != nil {
		return nil, err
	}
	return &wire.PutJobSuccessResultInput{
		CurrentRevision: &wire.CurrentRevision{
			Revision: wire.Ptr(obj.VersionID), ChangeIdentifier: wire.Ptr(obj.VersionID),
			Created: wire.NewTime(obj.Modified), RevisionSummary: optional(obj.Metadata[revisionSummaryKey]),
		},
		ExecutionDetails: &wire.ExecutionDetails{Summary: optional(obj.Metadata[revisionSummaryKey])},
		OutputVariables:  map[string]string{"ETag": obj.ETag, "VersionId": obj.VersionID},
	}, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// S3Deploy copies the input artifact into a bucket: extracted file by file
// under ObjectKey (Extract true), or as the one object ObjectKey.
type S3Deploy struct{}

// Run implements Provider.
func (S3Deploy) Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error) {
	bucket, err := w.Require("BucketName")
	if err != nil {
		return nil, err
	}
	extract := strings.EqualFold(w.Config("Extract"), "true")
	key := w.Config("ObjectKey")
	if !extract && key == "" {
		return nil, configError("ObjectKey is required when Extract is false")
	}
	if err := w.checkBucket(ctx, bucket); err != nil {
		return nil, err
	}
	if _, err := w.Store().BucketInfo(ctx, bucket); errors.Is(err, artifact.ErrBucketNotFound) {
		return nil, configError("The S3 bucket %s does not exist", bucket)
	} else if err != nil {
		return nil, err
	}
	n := 0
	if extract {
		dir, err := w.Input(ctx, 0)
		if err != nil {
			return nil, err
		}
		if n, err = putTree(ctx, w.Store(), bucket, key, dir, w.Config("CacheControl")); err != nil {
			return nil, err
		}
	} else {
		if err := w.copyInput(ctx, bucket, key); err != nil {
			return nil, err
		}
		n = 1
	}
	summary := "Deployed " + plural(n, "object") + " to s3://" + path.Join(bucket, key)
	return &wire.PutJobSuccessResultInput{ExecutionDetails: &wire.ExecutionDetails{Summary: &summary}}, nil
}

// copyInput stores the first input artifact, still zipped, as bucket/key.
func (w *Work) copyInput(ctx context.Context, bucket, key string) error {
	ins := w.Job.Data.InputArtifacts
	if len(ins) == 0 || s3Of(ins[0]) == nil {
		return configError("The action needs an input artifact")
	}
	loc := s3Of(ins[0])
	_, err := w.Store().Copy(ctx, wire.Value(loc.BucketName), wire.Value(loc.ObjectKey), bucket, key,
		&artifact.PutOptions{ContentType: "application/zip"})
	return err
}

// putTree uploads every file under dir to bucket, keyed prefix/relative path.
func putTree(ctx context.Context, st artifact.Store, bucket, prefix, dir, cacheControl string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		opts := artifact.PutOptions{ContentType: mime.TypeByExtension(path.Ext(p))}
		if cacheControl != "" {
			opts.Metadata = map[string]string{"cache-control": cacheControl}
		}
		key := path.Join(prefix, filepath.ToSlash(rel))
		if _, err := st.Put(ctx, bucket, key, f, opts); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
