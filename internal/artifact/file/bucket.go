package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// Versioning states kept in a bucket's record. S3 has three: a bucket that
// never had versioning deletes objects outright, a suspended one leaves a
// null delete marker, so "off" alone would not say which.
const (
	versioningEnabled   = "Enabled"
	versioningSuspended = "Suspended"
)

// bucketRecord is bucket.json.
type bucketRecord struct {
	Created    time.Time `json:"created"`
	Versioning string    `json:"versioning,omitempty"`
}

// bucket is one bucket's directory and index.
type bucket struct {
	name, dir string

	mu   sync.RWMutex
	rec  bucketRecord // guarded by mu
	idx  *index       // nil until first used; guarded by mu
	gone bool         // deleted; guarded by mu
}

func openBucket(dir, name string) (*bucket, error) {
	b := &bucket{name: name, dir: dir}
	data, err := os.ReadFile(b.path("bucket.json"))
	if err != nil {
		return nil, fmt.Errorf("open bucket %q: %w", name, err)
	}
	if err := json.Unmarshal(data, &b.rec); err != nil {
		return nil, fmt.Errorf("open bucket %q: %w", name, err)
	}
	if err := os.RemoveAll(b.path("tmp")); err != nil {
		return nil, fmt.Errorf("open bucket %q: %w", name, err)
	}
	if err := os.MkdirAll(b.path("tmp"), 0o755); err != nil {
		return nil, fmt.Errorf("open bucket %q: %w", name, err)
	}
	return b, nil
}

func (b *bucket) path(elem ...string) string {
	return filepath.Join(append([]string{b.dir}, elem...)...)
}

// read runs fn under the bucket's read lock with its index loaded.
func (b *bucket) read(fn func(ix *index) error) error {
	b.mu.RLock()
	if b.idx == nil && !b.gone {
		b.mu.RUnlock()
		return b.write(fn) // loading the index needs the write lock
	}
	defer b.mu.RUnlock()
	if b.gone {
		return fmt.Errorf("%w: %q", artifact.ErrBucketNotFound, b.name)
	}
	return fn(b.idx)
}

// write runs fn under the bucket's write lock with its index loaded.
func (b *bucket) write(fn func(ix *index) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone {
		return fmt.Errorf("%w: %q", artifact.ErrBucketNotFound, b.name)
	}
	if b.idx == nil {
		ix, err := loadIndex(b.path("objects"))
		if err != nil {
			return fmt.Errorf("load bucket %q: %w", b.name, err)
		}
		b.idx = ix
	}
	return fn(b.idx)
}

func (b *bucket) info() artifact.Bucket {
	return artifact.Bucket{Name: b.name, Created: b.rec.Created, Versioning: b.rec.Versioning == versioningEnabled}
}

// CreateBucket makes the bucket's directory in tmp/ and renames it into
// place, so a bucket on disk always has its record.
func (s *Store) CreateBucket(ctx context.Context, name string) error {
	if err := artifact.CheckBucketName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[name] != nil {
		return fmt.Errorf("%w: %q", artifact.ErrBucketExists, name)
	}
	if err := os.MkdirAll(filepath.Join(s.root, "tmp"), 0o755); err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	stage, err := os.MkdirTemp(filepath.Join(s.root, "tmp"), "bucket-")
	if err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	defer os.RemoveAll(stage)
	rec := bucketRecord{Created: s.now()}
	if err := writeJSON(stage, filepath.Join(stage, "bucket.json"), rec); err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	for _, sub := range []string{"objects", "uploads", "tmp"} {
		if err := os.Mkdir(filepath.Join(stage, sub), 0o755); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	dir := filepath.Join(s.root, "buckets", name)
	if err := os.Rename(stage, dir); err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	s.buckets[name] = &bucket{name: name, dir: dir, rec: rec}
	return nil
}

// DeleteBucket refuses a bucket holding any version; uploads in progress
// go with it. The directory is renamed out of buckets/ first, so a crash
// halfway through removing it leaves no half bucket behind.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[name]
	if b == nil {
		return fmt.Errorf("%w: %q", artifact.ErrBucketNotFound, name)
	}
	err := b.write(func(ix *index) error {
		if len(ix.keys) > 0 {
			return fmt.Errorf("%w: %q", artifact.ErrBucketNotEmpty, name)
		}
		if err := os.MkdirAll(filepath.Join(s.root, "trash"), 0o755); err != nil {
			return err
		}
		trash, err := os.MkdirTemp(filepath.Join(s.root, "trash"), "bucket-")
		if err != nil {
			return err
		}
		if err := os.Rename(b.dir, filepath.Join(trash, "b")); err != nil {
			return err
		}
		b.gone = true
		delete(s.buckets, name)
		return os.RemoveAll(trash)
	})
	if err != nil && !errors.Is(err, artifact.ErrBucketNotEmpty) {
		return fmt.Errorf("delete bucket %q: %w", name, err)
	}
	return err
}

// ListBuckets lists the buckets by name.
func (s *Store) ListBuckets(ctx context.Context) ([]artifact.Bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	all := make([]*bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		all = append(all, b)
	}
	s.mu.Unlock()
	out := make([]artifact.Bucket, 0, len(all))
	for _, b := range all {
		b.mu.RLock()
		out = append(out, b.info())
		b.mu.RUnlock()
	}
	slices.SortFunc(out, func(x, y artifact.Bucket) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// BucketInfo describes one bucket.
func (s *Store) BucketInfo(ctx context.Context, name string) (artifact.Bucket, error) {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return artifact.Bucket{}, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.info(), nil
}

// SetVersioning rewrites the bucket's record.
func (s *Store) SetVersioning(ctx context.Context, name string, enabled bool) error {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone {
		return fmt.Errorf("%w: %q", artifact.ErrBucketNotFound, name)
	}
	rec := b.rec
	switch {
	case enabled:
		rec.Versioning = versioningEnabled
	case rec.Versioning != "":
		rec.Versioning = versioningSuspended
	}
	if err := writeJSON(b.path("tmp"), b.path("bucket.json"), rec); err != nil {
		return fmt.Errorf("set versioning of %q: %w", name, err)
	}
	b.rec = rec
	return nil
}
