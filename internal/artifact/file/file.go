// Package file is the default artifact driver: buckets and versioned
// objects in a directory tree under one root.
//
// The layout under the root is
//
//	buckets/<bucket>/bucket.json              versioning state, creation time
//	buckets/<bucket>/objects/<hh>/<hash>/     one directory per key
//	    <write>.json                          one version's record (see record)
//	    <write>.data                          its content
//	buckets/<bucket>/uploads/<upload>/        one multipart upload
//	    upload.json, part-<n>-<md5>
//	buckets/<bucket>/tmp/                     writes in progress
//	tmp/, trash/                              buckets being created, deleted
//
// where <hash> is the hex SHA-256 of the key, so no key, however long or
// full of "/" and "..", ever becomes a path of its own; the key itself is
// in the record. Every file is written to tmp/, synced, and renamed into
// place, and a version's record is renamed after its content: a record on
// disk is the commit point of a write. Names on disk are random write ids,
// never reused, so replacing the null version never rewrites a file that a
// reader may have open.
//
// The files are the truth. Each bucket keeps an in-memory index of its keys
// and versions, loaded from the records on first use and changed under the
// bucket's lock with the renames that change the disk, so a restart sees
// everything that was committed. One process owns a root at a time.
package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/core"
)

// Store is an artifact.Store over a directory tree.
type Store struct {
	root string
	// Clock stamps the versions written; Open sets the system clock, and a
	// test may replace it before first use.
	Clock core.Clock

	mu      sync.Mutex
	buckets map[string]*bucket // every bucket on disk; guarded by mu
	seq     atomic.Int64       // last version sequence handed out
}

var _ artifact.Store = (*Store)(nil)

// Open opens the store under root, creating the directory if needed, and
// drops the writes a previous process left unfinished.
func Open(root string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(root, "buckets"), 0o755); err != nil {
		return nil, fmt.Errorf("open artifact root: %w", err)
	}
	for _, dir := range []string{"tmp", "trash"} { // buckets half created or half deleted
		if err := os.RemoveAll(filepath.Join(root, dir)); err != nil {
			return nil, fmt.Errorf("open artifact root: %w", err)
		}
	}
	s := &Store{root: root, Clock: core.SystemClock{}, buckets: map[string]*bucket{}}
	entries, err := os.ReadDir(filepath.Join(root, "buckets"))
	if err != nil {
		return nil, fmt.Errorf("open artifact root: %w", err)
	}
	for _, e := range entries {
		if artifact.CheckBucketName(e.Name()) != nil || !e.IsDir() {
			continue
		}
		b, err := openBucket(filepath.Join(root, "buckets", e.Name()), e.Name())
		if errors.Is(err, os.ErrNotExist) {
			continue // a directory without a record was never committed
		}
		if err != nil {
			return nil, err
		}
		s.buckets[b.name] = b
	}
	return s, nil
}

// bucket returns the bucket name, or ErrBucketNotFound. Every operation
// starts here, so it also refuses to start once ctx is done.
func (s *Store) bucket(ctx context.Context, name string) (*bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	b := s.buckets[name]
	s.mu.Unlock()
	if b == nil {
		return nil, fmt.Errorf("%w: %q", artifact.ErrBucketNotFound, name)
	}
	return b, nil
}

// now is the time a write is stamped with.
func (s *Store) now() time.Time { return s.Clock.Now().UTC() }

// nextSeq hands out the sequence that orders a key's versions: the clock
// in nanoseconds, but always above the last one given, so two writes in
// the same nanosecond (or after the clock stepped back) still order.
func (s *Store) nextSeq(at time.Time) int64 {
	for {
		last := s.seq.Load()
		next := max(at.UnixNano(), last+1)
		if s.seq.CompareAndSwap(last, next) {
			return next
		}
	}
}

// sawSeq keeps sequences handed out after a restart above those on disk.
func (s *Store) sawSeq(seq int64) {
	for {
		last := s.seq.Load()
		if seq <= last || s.seq.CompareAndSwap(last, seq) {
			return
		}
	}
}
