package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/artifact/archive"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Work is one job being run: the job, its workspace, and access to the
// artifact store.
type Work struct {
	Job    Job
	Dir    string // the job's own workspace, removed afterwards
	worker *Worker
}

// Config returns the action's resolved configuration property name.
func (w *Work) Config(name string) string {
	if c := w.Job.Data.ActionConfiguration; c != nil {
		return c.Configuration[name]
	}
	return ""
}

// Require returns a configuration property that must be set.
func (w *Work) Require(name string) (string, error) {
	v := w.Config(name)
	if v == "" {
		return "", configError("The action configuration is missing the required property %s", name)
	}
	return v, nil
}

// Store is the artifact store (and the buckets of the S3 endpoint).
func (w *Work) Store() artifact.Store { return w.worker.Artifacts }

// Input unpacks input artifact i (in declaration order) into a new
// directory of the workspace and returns it.
func (w *Work) Input(ctx context.Context, i int) (string, error) {
	ins := w.Job.Data.InputArtifacts
	if i >= len(ins) {
		return "", configError("The action needs an input artifact")
	}
	dir := filepath.Join(w.Dir, "in", fmt.Sprint(i))
	return dir, w.fetch(ctx, ins[i], dir)
}

// InputNamed unpacks the input artifact of the given name.
func (w *Work) InputNamed(ctx context.Context, name string) (string, error) {
	for i, a := range w.Job.Data.InputArtifacts {
		if wire.Value(a.Name) == name {
			return w.Input(ctx, i)
		}
	}
	return "", configError("There is no input artifact named %s", name)
}

func (w *Work) fetch(ctx context.Context, a wire.Artifact, dir string) error {
	loc := s3Of(a)
	if loc == nil {
		return failf("Input artifact %s has no location: the action that should produce it has not run", wire.Value(a.Name))
	}
	f, err := w.download(ctx, wire.Value(loc.BucketName), wire.Value(loc.ObjectKey))
	if err != nil {
		return failf("Could not fetch input artifact %s: %v", wire.Value(a.Name), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := archive.Unzip(f, st.Size(), dir); err != nil {
		return failf("Input artifact %s is not a valid zip: %v", wire.Value(a.Name), err)
	}
	return nil
}

// download copies an object into a temp file of the workspace: unzipping
// needs random access, and the file is removed with the workspace.
func (w *Work) download(ctx context.Context, bucket, key string) (*os.File, error) {
	_, body, err := w.Store().Get(ctx, bucket, key, "", nil)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	f, err := os.CreateTemp(w.Dir, "download-")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Output zips dir as output artifact i and uploads it.
func (w *Work) Output(ctx context.Context, i int, dir string) error {
	outs := w.Job.Data.OutputArtifacts
	if i >= len(outs) {
		return nil // the action declares fewer outputs than it could make
	}
	zf, err := os.CreateTemp(w.Dir, "artifact-*.zip")
	if err != nil {
		return err
	}
	defer zf.Close()
	if err := archive.Zip(zf, dir); err != nil {
		return fmt.Errorf("zip output artifact: %w", err)
	}
	if _, err := zf.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return w.UploadOutput(ctx, i, zf)
}

// UploadOutput stores body as output artifact i, as it is.
func (w *Work) UploadOutput(ctx context.Context, i int, body io.Reader) error {
	outs := w.Job.Data.OutputArtifacts
	if i >= len(outs) {
		return nil
	}
	loc := s3Of(outs[i])
	if loc == nil {
		return fmt.Errorf("output artifact %s has no location", wire.Value(outs[i].Name))
	}
	bucket := wire.Value(loc.BucketName)
	_, err := w.Store().Put(ctx, bucket, wire.Value(loc.ObjectKey), body, artifact.PutOptions{ContentType: "application/zip"})
	if errors.Is(err, artifact.ErrBucketNotFound) {
		return failf("The artifact store bucket %s does not exist", bucket)
	}
	return err
}

// OutputCount is how many output artifacts the action declares.
func (w *Work) OutputCount() int { return len(w.Job.Data.OutputArtifacts) }

func s3Of(a wire.Artifact) *wire.S3ArtifactLocation {
	if a.Location == nil {
		return nil
	}
	return a.Location.S3Location
}

// logStore is where the job's build log goes: the worker's store, which
// the embedded worker may write directly (making the log bucket if need
// be), or a store opened with the job's artifact credentials.
func (w *Work) logStore(ctx context.Context) (artifact.Store, error) {
	if w.worker.JobStore != nil {
		return w.worker.JobStore(ctx, w.Job)
	}
	st := w.Store()
	if err := st.CreateBucket(ctx, core.LogBucket); err != nil && !errors.Is(err, artifact.ErrBucketExists) {
		return nil, err
	}
	return st, nil
}
