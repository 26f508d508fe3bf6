package file

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// record is one version of a key, stored as <ID>.json beside its content
// <ID>.data (delete markers have no content).
type record struct {
	ID           string            `json:"id"` // the write: names the files
	Key          string            `json:"key"`
	Version      string            `json:"version"`
	Seq          int64             `json:"seq"` // orders the key's versions
	Size         int64             `json:"size"`
	ETag         string            `json:"etag,omitempty"`
	Modified     time.Time         `json:"modified"`
	ContentType  string            `json:"contentType,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	DeleteMarker bool              `json:"deleteMarker,omitempty"`
}

func (r *record) object() artifact.Object {
	return artifact.Object{
		Key: r.Key, VersionID: r.Version, Size: r.Size, ETag: r.ETag, Modified: r.Modified,
		ContentType: r.ContentType, Metadata: maps.Clone(r.Metadata), DeleteMarker: r.DeleteMarker,
	}
}

// keyDir is the directory of a key's versions: a hash, never the key.
func keyDir(objects, key string) string {
	h := sha256.Sum256([]byte(key))
	name := hex.EncodeToString(h[:])
	return filepath.Join(objects, name[:2], name)
}

func (r *record) metaPath(objects string) string {
	return filepath.Join(keyDir(objects, r.Key), r.ID+".json")
}

func (r *record) dataPath(objects string) string {
	return filepath.Join(keyDir(objects, r.Key), r.ID+".data")
}

// newID returns a random URL-safe id of 22 characters (128 bits), used for
// version ids and write ids alike.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newUploadID returns a random upload id: hex, so it can be checked
// before it names a directory.
func newUploadID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeJSON writes v to path atomically: a temp file in tmpDir (on the
// same file system), synced, then renamed over path.
func writeJSON(tmpDir, path string, v any) error {
	tmp, err := writeTempJSON(tmpDir, v)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeTempJSON writes v to a synced temp file in dir and returns its path.
func writeTempJSON(dir string, v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "json-")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
