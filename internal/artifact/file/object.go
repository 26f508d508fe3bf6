package file

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// defaultContentType is what S3 records for a write without one.
const defaultContentType = "binary/octet-stream"

// Put spools the body outside any lock, then commits it.
func (s *Store) Put(ctx context.Context, bucket, key string, body io.Reader, opts artifact.PutOptions) (artifact.Object, error) {
	b, version, err := s.writable(ctx, bucket, key)
	if err != nil {
		return artifact.Object{}, err
	}
	sp, err := spool(ctx, b.path("tmp"), body)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	r := s.newRecord(key, version)
	r.Size, r.ETag = sp.size, hex.EncodeToString(sp.md5)
	r.ContentType, r.Metadata = contentType(opts.ContentType), lowerKeys(opts.Metadata)
	return s.commit(b, r, sp.path)
}

// writable checks a write's bucket and key and picks the version id the
// bucket's versioning calls for. The choice is made before the content
// is spooled, as S3 itself applies a change of versioning after a delay.
func (s *Store) writable(ctx context.Context, bucket, key string) (*bucket, string, error) {
	if err := artifact.CheckKey(key); err != nil {
		return nil, "", err
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, "", err
	}
	version := artifact.NullVersion
	err = b.read(func(*index) error {
		if b.rec.Versioning == versioningEnabled {
			version = newID()
		}
		return nil
	})
	return b, version, err
}

func (s *Store) newRecord(key, version string) *record {
	now := s.now()
	return &record{ID: newID(), Key: key, Version: version, Seq: s.nextSeq(now), Modified: now}
}

// commit writes r's record, then under the bucket's lock renames the
// content (data, a spooled temp file; "" for a delete marker) and the
// record into place and updates the index.
func (s *Store) commit(b *bucket, r *record, data string) (artifact.Object, error) {
	meta, err := writeTempJSON(b.path("tmp"), r)
	if err != nil {
		os.Remove(data)
		return artifact.Object{}, fmt.Errorf("commit %s/%s: %w", b.name, r.Key, err)
	}
	objects := b.path("objects")
	var dropped []*record
	err = b.write(func(ix *index) error {
		if err := os.MkdirAll(keyDir(objects, r.Key), 0o755); err != nil {
			return err
		}
		if data != "" {
			if err := os.Rename(data, r.dataPath(objects)); err != nil {
				return err
			}
		}
		if err := os.Rename(meta, r.metaPath(objects)); err != nil {
			os.Remove(r.dataPath(objects))
			return err
		}
		dropped = ix.add(r)
		for _, d := range dropped {
			unlinkRecord(objects, d)
		}
		return nil
	})
	if err != nil {
		os.Remove(meta)
		if data != "" {
			os.Remove(data)
		}
		return artifact.Object{}, fmt.Errorf("commit %s/%s: %w", b.name, r.Key, err)
	}
	removeContent(objects, dropped)
	return r.object(), nil
}

// Get opens the version's content under the bucket's read lock: a file
// open before a later write removes it stays readable.
func (s *Store) Get(ctx context.Context, bucket, key, versionID string, rng *artifact.Range) (artifact.Object, io.ReadCloser, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return artifact.Object{}, nil, err
	}
	var (
		r   *record
		f   *os.File
		off int64
		n   int64
	)
	err = b.read(func(ix *index) error {
		if r, err = lookup(ix, key, versionID); err != nil {
			return err
		}
		if rng != nil {
			if off, n, err = rng.Bounds(r.Size); err != nil {
				return err
			}
		}
		f, err = os.Open(r.dataPath(b.path("objects")))
		return err
	})
	if err != nil {
		return objectOf(r), nil, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	if rng == nil {
		return r.object(), f, nil
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return artifact.Object{}, nil, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	return r.object(), &section{io.LimitedReader{R: f, N: n}, f}, nil
}

// section is a range of an open file.
type section struct {
	io.LimitedReader
	f *os.File
}

func (s *section) Close() error { return s.f.Close() }

// Head describes a version.
func (s *Store) Head(ctx context.Context, bucket, key, versionID string) (artifact.Object, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return artifact.Object{}, err
	}
	var r *record
	err = b.read(func(ix *index) error {
		r, err = lookup(ix, key, versionID)
		return err
	})
	if err != nil {
		return objectOf(r), fmt.Errorf("head %s/%s: %w", bucket, key, err)
	}
	return r.object(), nil
}

// lookup finds a version ("" for the latest) that has content. A delete
// marker is returned with ErrNotFound, so callers can tell S3's clients.
func lookup(ix *index, key, versionID string) (*record, error) {
	var r *record
	if versionID == "" {
		r = ix.latest(key)
	} else {
		r = ix.find(key, versionID)
	}
	switch {
	case r == nil:
		return nil, artifact.ErrNotFound
	case r.DeleteMarker:
		return r, artifact.ErrNotFound
	}
	return r, nil
}

// objectOf describes r, or nothing when there is no r.
func objectOf(r *record) artifact.Object {
	if r == nil {
		return artifact.Object{}
	}
	return r.object()
}

// Delete removes a version or writes a delete marker, as the bucket's
// versioning says.
func (s *Store) Delete(ctx context.Context, bucket, key, versionID string) (artifact.Object, error) {
	b, marker, err := s.writable(ctx, bucket, key)
	if err != nil {
		return artifact.Object{}, err
	}
	b.mu.RLock()
	suspended := b.rec.Versioning == versioningSuspended
	b.mu.RUnlock()
	if versionID == "" && (marker != artifact.NullVersion || suspended) {
		r := s.newRecord(key, marker)
		r.DeleteMarker = true
		return s.commit(b, r, "")
	}
	if versionID == "" {
		versionID = artifact.NullVersion
	}
	objects := b.path("objects")
	var r *record
	err = b.write(func(ix *index) error {
		if r = ix.find(key, versionID); r == nil {
			return nil
		}
		if err := unlinkRecord(objects, r); err != nil {
			return err
		}
		ix.remove(key, versionID)
		return nil
	})
	if err != nil {
		return artifact.Object{}, fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	if r == nil {
		return artifact.Object{Key: key, VersionID: versionID}, nil
	}
	removeContent(objects, []*record{r})
	b.write(func(ix *index) error { tidyKeyDir(objects, ix, key); return nil })
	return r.object(), nil
}

// Copy streams the source's latest version into a new write.
func (s *Store) Copy(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts *artifact.PutOptions) (artifact.Object, error) {
	if _, err := s.bucket(ctx, dstBucket); err != nil {
		return artifact.Object{}, err
	}
	src, body, err := s.Get(ctx, srcBucket, srcKey, "", nil)
	if err != nil {
		return artifact.Object{}, err
	}
	defer body.Close()
	put := artifact.PutOptions{ContentType: src.ContentType, Metadata: src.Metadata}
	if opts != nil {
		put = *opts
	}
	return s.Put(ctx, dstBucket, dstKey, body, put)
}

func contentType(ct string) string {
	if ct == "" {
		return defaultContentType
	}
	return ct
}

// lowerKeys copies user metadata with its keys lower-cased, as S3 returns
// them.
func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}
