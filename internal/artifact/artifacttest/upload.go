package artifacttest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

func exerciseMultipart(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "multi", true)
	opts := artifact.PutOptions{ContentType: "application/zip", Metadata: map[string]string{"stage": "build"}}
	id, err := s.CreateUpload(ctx, "multi", "out.zip", opts)
	wantNoErr(t, "create upload", err)
	parts := [][]byte{random(1, artifact.MinPartSize), random(2, artifact.MinPartSize), random(3, 1234)}
	var named []artifact.Part
	for _, n := range []int{2, 3, 1} { // parts may arrive in any order
		etag, err := s.PutPart(ctx, "multi", "out.zip", id, n, onlyReader{bytes.NewReader(random(9, 100))})
		wantNoErr(t, "put part", err)
		if etag != md5hex(random(9, 100)) {
			t.Fatalf("part %d ETag %q", n, etag)
		}
	}
	for i, p := range parts { // replacing each part
		etag, err := s.PutPart(ctx, "multi", "out.zip", id, i+1, onlyReader{bytes.NewReader(p)})
		wantNoErr(t, "put part", err)
		if etag != md5hex(p) {
			t.Fatalf("part %d ETag %q, want %q", i+1, etag, md5hex(p))
		}
		named = append(named, artifact.Part{Number: i + 1, ETag: `"` + etag + `"`})
	}
	obj, err := s.CompleteUpload(ctx, "multi", "out.zip", id, named)
	wantNoErr(t, "complete", err)
	whole := bytes.Join(parts, nil)
	if obj.Size != int64(len(whole)) || obj.VersionID == "" || obj.VersionID == artifact.NullVersion {
		t.Fatalf("completed object %+v", obj)
	}
	if !lacking(t, s, CheckMultipartETag) && obj.ETag != multipartETag(parts) {
		t.Fatalf("completed ETag %q, want %q", obj.ETag, multipartETag(parts))
	}
	got, data := mustGet(t, s, "multi", "out.zip", "")
	if sha256.Sum256([]byte(data)) != sha256.Sum256(whole) {
		t.Fatal("completed object differs from its parts")
	}
	checkMeta(t, "completed object", got, artifact.Object{ContentType: "application/zip", Metadata: map[string]string{"stage": "build"}})
	_, err = s.PutPart(ctx, "multi", "out.zip", id, 4, bytes.NewReader(nil))
	wantErr(t, "put part after completion", err, artifact.ErrUploadNotFound)
}

func exerciseMultipartErrors(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "mperr", false)
	_, err := s.CreateUpload(ctx, "no-such-bucket", "k", artifact.PutOptions{})
	wantErr(t, "create upload in a missing bucket", err, artifact.ErrBucketNotFound)

	id := mustUpload(t, s, "k")
	etag, err := s.PutPart(ctx, "mperr", "k", id, 1, bytes.NewReader([]byte("part")))
	wantNoErr(t, "put part", err)
	wantNoErr(t, "abort", s.AbortUpload(ctx, "mperr", "k", id))
	_, err = s.PutPart(ctx, "mperr", "k", id, 2, bytes.NewReader(nil))
	wantErr(t, "put part after abort", err, artifact.ErrUploadNotFound)
	_, err = s.CompleteUpload(ctx, "mperr", "k", id, []artifact.Part{{Number: 1, ETag: etag}})
	wantErr(t, "complete after abort", err, artifact.ErrUploadNotFound)
	wantErr(t, "abort again", s.AbortUpload(ctx, "mperr", "k", id), artifact.ErrUploadNotFound)

	for _, unknown := range []string{"0123456789abcdef0123456789abcdef", "../../etc", "x"} {
		_, err = s.PutPart(ctx, "mperr", "k", unknown, 1, bytes.NewReader(nil))
		wantErr(t, "put part of an unknown upload", err, artifact.ErrUploadNotFound)
	}

	id = mustUpload(t, s, "k")
	small := [][]byte{[]byte("first"), []byte("second")}
	var named []artifact.Part
	for i, p := range small {
		etag, err := s.PutPart(ctx, "mperr", "k", id, i+1, bytes.NewReader(p))
		wantNoErr(t, "put part", err)
		named = append(named, artifact.Part{Number: i + 1, ETag: etag})
	}
	bad := [][]artifact.Part{
		{{Number: 1, ETag: md5hex([]byte("other"))}},
		{{Number: 3, ETag: named[0].ETag}},
		{named[1], named[0]},
		{},
	}
	for _, parts := range bad {
		_, err = s.CompleteUpload(ctx, "mperr", "k", id, parts)
		wantErr(t, fmt.Sprintf("complete with %v", parts), err, artifact.ErrInvalidPart)
	}
	if !lacking(t, s, CheckPartTooSmall) {
		_, err = s.CompleteUpload(ctx, "mperr", "k", id, named)
		wantErr(t, "complete with a small first part", err, artifact.ErrInvalidPart)
	}
	obj, err := s.CompleteUpload(ctx, "mperr", "k", id, named[1:])
	wantNoErr(t, "complete with one small part", err)
	if _, data := mustGet(t, s, "mperr", "k", ""); data != "second" || obj.Size != 6 {
		t.Fatalf("one-part upload read %q (%+v)", data, obj)
	}
}

func mustUpload(t *testing.T, s artifact.Store, key string) string {
	t.Helper()
	id, err := s.CreateUpload(ctx, "mperr", key, artifact.PutOptions{})
	wantNoErr(t, "create upload", err)
	return id
}

// multipartETag is S3's ETag of an object joined from parts.
func multipartETag(parts [][]byte) string {
	h := md5.New()
	for _, p := range parts {
		sum := md5.Sum(p)
		h.Write(sum[:])
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(parts))
}
