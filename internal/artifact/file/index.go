package file

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// index is a bucket's keys and versions in memory, a copy of the records
// on disk that listings can walk in key order.
type index struct {
	keys []string             // sorted; every key with a version or marker
	vers map[string][]*record // each key's versions, newest (highest Seq) first
}

func newIndex() *index { return &index{vers: map[string][]*record{}} }

// latest returns the key's newest version or marker, or nil.
func (ix *index) latest(key string) *record {
	if vs := ix.vers[key]; len(vs) > 0 {
		return vs[0]
	}
	return nil
}

// find returns a version of the key, or nil.
func (ix *index) find(key, version string) *record {
	for _, r := range ix.vers[key] {
		if r.Version == version {
			return r
		}
	}
	return nil
}

// add inserts r in its place by Seq. A version id is unique within a key,
// so r replaces a version of the same id (the null version), unless that
// one is newer: then r is the one dropped. add returns the records whose
// files must go.
func (ix *index) add(r *record) (dropped []*record) {
	vs := ix.vers[r.Key]
	if old := ix.find(r.Key, r.Version); old != nil {
		if old.Seq > r.Seq {
			return []*record{r}
		}
		vs = slices.DeleteFunc(vs, func(x *record) bool { return x == old })
		dropped = append(dropped, old)
	}
	at := slices.IndexFunc(vs, func(x *record) bool { return x.Seq < r.Seq })
	if at < 0 {
		at = len(vs)
	}
	if len(vs) == 0 {
		ix.addKey(r.Key)
	}
	ix.vers[r.Key] = slices.Insert(vs, at, r)
	return dropped
}

// remove takes a version out of the index and returns it, or nil.
func (ix *index) remove(key, version string) *record {
	r := ix.find(key, version)
	if r == nil {
		return nil
	}
	vs := slices.DeleteFunc(ix.vers[key], func(x *record) bool { return x == r })
	if len(vs) > 0 {
		ix.vers[key] = vs
		return r
	}
	delete(ix.vers, key)
	if i, ok := slices.BinarySearch(ix.keys, key); ok {
		ix.keys = slices.Delete(ix.keys, i, i+1)
	}
	return r
}

func (ix *index) addKey(key string) {
	if i, ok := slices.BinarySearch(ix.keys, key); !ok {
		ix.keys = slices.Insert(ix.keys, i, key)
	}
}

// loadIndex reads every record under objects. It also finishes what a
// crash interrupted: content whose record was never renamed into place is
// removed, as is a null version that a newer one replaced.
func loadIndex(objects string) (*index, error) {
	ix := newIndex()
	shards, err := os.ReadDir(objects)
	if err != nil {
		return nil, err
	}
	for _, shard := range shards {
		dirs, err := os.ReadDir(filepath.Join(objects, shard.Name()))
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			if err := ix.loadKeyDir(objects, filepath.Join(objects, shard.Name(), d.Name())); err != nil {
				return nil, err
			}
		}
	}
	return ix, nil
}

func (ix *index) loadKeyDir(objects, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	committed := map[string]bool{} // write ids with a record
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		r, err := readRecord(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if r.ID != id || keyDir(objects, r.Key) != dir {
			return fmt.Errorf("record %s: does not belong in %s", e.Name(), dir)
		}
		committed[id] = true
		for _, d := range ix.add(r) {
			unlinkRecord(objects, d)
			delete(committed, d.ID)
		}
	}
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".data"); ok && !committed[id] {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if len(committed) == 0 {
		os.Remove(dir)
	}
	return nil
}

func readRecord(path string) (*record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := new(record)
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("record %s: %w", path, err)
	}
	return r, nil
}

// unlinkRecord removes a version's record: once it is gone so is the
// version, whatever happens to the content, which removeContent takes
// away after the bucket's lock is released (a reader that opened it
// before keeps reading). Called under the bucket's write lock.
func unlinkRecord(objects string, r *record) error {
	if err := os.Remove(r.metaPath(objects)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// removeContent removes the content of versions whose records are gone.
func removeContent(objects string, rs []*record) {
	for _, r := range rs {
		if !r.DeleteMarker {
			os.Remove(r.dataPath(objects))
		}
	}
}

// tidyKeyDir removes a key's directory, and its shard's, once the key
// has no version left. Called under the bucket's write lock, as a commit
// creates the directory under it.
func tidyKeyDir(objects string, ix *index, key string) {
	if len(ix.vers[key]) > 0 {
		return
	}
	dir := keyDir(objects, key)
	if os.Remove(dir) == nil {
		os.Remove(filepath.Dir(dir))
	}
}
