package file

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// uploadRecord is an upload's upload.json: what the completed object
// will record.
type uploadRecord struct {
	Key         string            `json:"key"`
	ContentType string            `json:"contentType,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Created     time.Time         `json:"created"`
}

// partFile is one stored part; its number and ETag are in its name,
// part-<n>-<md5>, so replacing a part is a single rename.
type partFile struct {
	path string
	etag string
	size int64
}

// CreateUpload stages the upload's directory in tmp/ and renames it into
// uploads/.
func (s *Store) CreateUpload(ctx context.Context, bucket, key string, opts artifact.PutOptions) (string, error) {
	if err := artifact.CheckKey(key); err != nil {
		return "", err
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	id := newUploadID()
	rec := uploadRecord{Key: key, ContentType: contentType(opts.ContentType), Metadata: lowerKeys(opts.Metadata), Created: s.now()}
	err = b.write(func(*index) error {
		stage, err := os.MkdirTemp(b.path("tmp"), "upload-")
		if err != nil {
			return err
		}
		if err := writeJSON(stage, filepath.Join(stage, "upload.json"), rec); err != nil {
			os.RemoveAll(stage)
			return err
		}
		return os.Rename(stage, b.path("uploads", id))
	})
	if err != nil {
		return "", fmt.Errorf("create upload %s/%s: %w", bucket, key, err)
	}
	return id, nil
}

// upload reads an upload's record; an id that is not one of ours, or is
// another key's, is ErrUploadNotFound.
func (b *bucket) upload(key, id string) (string, uploadRecord, error) {
	var rec uploadRecord
	if _, err := hex.DecodeString(id); err != nil || len(id) != 32 {
		return "", rec, fmt.Errorf("%w: %q", artifact.ErrUploadNotFound, id)
	}
	dir := b.path("uploads", id)
	data, err := os.ReadFile(filepath.Join(dir, "upload.json"))
	if errors.Is(err, os.ErrNotExist) {
		return "", rec, fmt.Errorf("%w: %q", artifact.ErrUploadNotFound, id)
	}
	if err != nil {
		return "", rec, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return "", rec, fmt.Errorf("upload %s: %w", id, err)
	}
	if rec.Key != key {
		return "", rec, fmt.Errorf("%w: %q is not an upload of %q", artifact.ErrUploadNotFound, id, key)
	}
	return dir, rec, nil
}

// PutPart spools the part, then renames it in place of an earlier part n.
func (s *Store) PutPart(ctx context.Context, bucket, key, uploadID string, n int, body io.Reader) (string, error) {
	if n < 1 || n > artifact.MaxParts {
		return "", fmt.Errorf("%w: part number %d is not within 1..%d", artifact.ErrInvalidPart, n, artifact.MaxParts)
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	if _, _, err := b.upload(key, uploadID); err != nil {
		return "", err
	}
	sp, err := spool(ctx, b.path("tmp"), body)
	if err != nil {
		return "", fmt.Errorf("put part %d of %s/%s: %w", n, bucket, key, err)
	}
	etag := hex.EncodeToString(sp.md5)
	err = b.write(func(*index) error {
		dir, _, err := b.upload(key, uploadID)
		if err != nil {
			return err
		}
		old, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("part-%05d-*", n)))
		for _, o := range old {
			os.Remove(o)
		}
		return os.Rename(sp.path, filepath.Join(dir, fmt.Sprintf("part-%05d-%s", n, etag)))
	})
	if err != nil {
		os.Remove(sp.path)
		return "", fmt.Errorf("put part %d of %s/%s: %w", n, bucket, key, err)
	}
	return etag, nil
}

// CompleteUpload checks the parts against those stored, joins them into
// a temp file and commits it as a new version; the upload is then gone.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []artifact.Part) (artifact.Object, error) {
	b, version, err := s.writable(ctx, bucket, key)
	if err != nil {
		return artifact.Object{}, err
	}
	dir, rec, err := b.upload(key, uploadID)
	if err != nil {
		return artifact.Object{}, err
	}
	files, err := chooseParts(dir, parts)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("complete %s/%s: %w", bucket, key, err)
	}
	data, size, err := join(ctx, b.path("tmp"), files)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("complete %s/%s: %w", bucket, key, err)
	}
	r := s.newRecord(key, version)
	r.Size, r.ETag = size, multipartETag(files)
	r.ContentType, r.Metadata = rec.ContentType, rec.Metadata
	obj, err := s.commit(b, r, data)
	if err != nil {
		return artifact.Object{}, err
	}
	if err := s.dropUpload(b, key, uploadID); err != nil {
		return artifact.Object{}, fmt.Errorf("complete %s/%s: %w", bucket, key, err)
	}
	return obj, nil
}

// chooseParts matches the parts a client names against the stored ones,
// with S3's rules: ascending numbers, matching ETags, and every part but
// the last at least MinPartSize.
func chooseParts(dir string, parts []artifact.Part) ([]partFile, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: an upload needs at least one part", artifact.ErrInvalidPart)
	}
	stored, err := storedParts(dir)
	if err != nil {
		return nil, err
	}
	out := make([]partFile, len(parts))
	for i, p := range parts {
		if i > 0 && p.Number <= parts[i-1].Number {
			return nil, fmt.Errorf("%w: parts must be listed in ascending order", artifact.ErrInvalidPart)
		}
		f, ok := stored[p.Number]
		if !ok || f.etag != normalETag(p.ETag) {
			return nil, fmt.Errorf("%w: part %d with ETag %q was not uploaded", artifact.ErrInvalidPart, p.Number, p.ETag)
		}
		if i < len(parts)-1 && f.size < artifact.MinPartSize {
			return nil, fmt.Errorf("%w: part %d is %d bytes, smaller than the %d bytes allowed for all but the last part (EntityTooSmall)",
				artifact.ErrInvalidPart, p.Number, f.size, artifact.MinPartSize)
		}
		out[i] = f
	}
	return out, nil
}

// storedParts lists an upload's parts by number.
func storedParts(dir string) (map[int]partFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[int]partFile{}
	for _, e := range entries {
		num, etag, ok := strings.Cut(strings.TrimPrefix(e.Name(), "part-"), "-")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasPrefix(e.Name(), "part-") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		out[n] = partFile{path: filepath.Join(dir, e.Name()), etag: etag, size: info.Size()}
	}
	return out, nil
}

// join concatenates the parts into a synced temp file in dir.
func join(ctx context.Context, dir string, files []partFile) (string, int64, error) {
	f, err := os.CreateTemp(dir, "join-")
	if err != nil {
		return "", 0, err
	}
	var size int64
	for _, p := range files {
		if err = ctx.Err(); err != nil {
			break
		}
		var n int64
		if n, err = appendFile(f, p.path); err != nil {
			break
		}
		size += n
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		if errors.Is(err, os.ErrNotExist) { // replaced or aborted meanwhile
			err = fmt.Errorf("%w: %v", artifact.ErrInvalidPart, err)
		}
		return "", 0, err
	}
	return f.Name(), size, nil
}

func appendFile(dst *os.File, path string) (int64, error) {
	src, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	return io.Copy(dst, src)
}

// multipartETag is S3's ETag of a multipart object: the MD5 of the
// parts' binary MD5s, then "-" and the number of parts.
func multipartETag(files []partFile) string {
	h := md5.New()
	for _, f := range files {
		sum, _ := hex.DecodeString(f.etag)
		h.Write(sum)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(files))
}

// normalETag strips the quotes S3's clients often keep around an ETag.
func normalETag(etag string) string {
	return strings.ToLower(strings.Trim(etag, `"`))
}

// AbortUpload drops the upload and its parts.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	if err := s.dropUpload(b, key, uploadID); err != nil {
		return fmt.Errorf("abort upload %s/%s: %w", bucket, key, err)
	}
	return nil
}

// dropUpload renames the upload's directory into tmp/ under the lock,
// which ends it at once, and removes the parts after.
func (s *Store) dropUpload(b *bucket, key, uploadID string) error {
	var trash string
	err := b.write(func(*index) error {
		dir, _, err := b.upload(key, uploadID)
		if err != nil {
			return err
		}
		trash = b.path("tmp", "abort-"+uploadID)
		return os.Rename(dir, trash)
	})
	if err != nil {
		return err
	}
	return os.RemoveAll(trash)
}
