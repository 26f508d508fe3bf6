package artifacttest

import (
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

func exerciseRoundTrip(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "round", false)
	body := "hello, artifacts"
	opts := artifact.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"Color": "blue", "owner": "build"}}
	put, err := s.Put(ctx, "round", "dir/file.txt", onlyReader{strings.NewReader(body)}, opts)
	wantNoErr(t, "put", err)
	want := artifact.Object{Key: "dir/file.txt", VersionID: artifact.NullVersion, Size: int64(len(body)), ETag: md5hex([]byte(body))}
	checkObject(t, "put", put, want)

	want.ContentType = "text/plain"
	want.Metadata = map[string]string{"color": "blue", "owner": "build"}
	got, data := mustGet(t, s, "round", "dir/file.txt", "")
	checkObject(t, "get", got, want)
	checkMeta(t, "get", got, want)
	if data != body {
		t.Fatalf("get = %q, want %q", data, body)
	}
	head, err := s.Head(ctx, "round", "dir/file.txt", "")
	wantNoErr(t, "head", err)
	if lacking(t, s, CheckHeadVersion) {
		head.VersionID = want.VersionID
	}
	checkObject(t, "head", head, want)
	checkMeta(t, "head", head, want)
	if head.Modified.IsZero() {
		t.Fatal("head: no modification time")
	}

	empty := mustPut(t, s, "round", "empty", "")
	checkObject(t, "put empty", empty, artifact.Object{Key: "empty", VersionID: artifact.NullVersion, ETag: md5hex(nil)})
	if _, data := mustGet(t, s, "round", "empty", ""); data != "" {
		t.Fatalf("empty object read %q", data)
	}

	_, _, err = s.Get(ctx, "round", "dir/missing", "", nil)
	wantErr(t, "get a missing key", err, artifact.ErrNotFound)
	_, err = s.Head(ctx, "round", "dir", "")
	wantErr(t, "head a missing key", err, artifact.ErrNotFound)
	_, err = s.Put(ctx, "round", "", strings.NewReader("x"), artifact.PutOptions{})
	wantErr(t, "put an empty key", err, artifact.ErrInvalidKey)
	_, err = s.Put(ctx, "round", strings.Repeat("k", artifact.MaxKeyLen+1), strings.NewReader("x"), artifact.PutOptions{})
	wantErr(t, "put a long key", err, artifact.ErrInvalidKey)
}

func exerciseOverwrite(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "plain", false)
	mustPut(t, s, "plain", "k", "one")
	two := mustPut(t, s, "plain", "k", "two")
	if two.VersionID != artifact.NullVersion {
		t.Fatalf("version without versioning = %q", two.VersionID)
	}
	if _, data := mustGet(t, s, "plain", "k", ""); data != "two" {
		t.Fatalf("after overwrite = %q", data)
	}
	if _, data := mustGet(t, s, "plain", "k", artifact.NullVersion); data != "two" {
		t.Fatalf("null version = %q", data)
	}
	checkVersions(t, s, "plain", "", "k=null*")

	gone, err := s.Delete(ctx, "plain", "k", "")
	wantNoErr(t, "delete", err)
	if gone.DeleteMarker {
		t.Fatal("delete without versioning made a marker")
	}
	_, _, err = s.Get(ctx, "plain", "k", "", nil)
	wantErr(t, "get deleted", err, artifact.ErrNotFound)
	checkVersions(t, s, "plain", "", "")
	_, err = s.Delete(ctx, "plain", "never-there", "")
	wantNoErr(t, "delete what is not there", err)
}

func exerciseVersions(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "versions", true)
	var ids []string
	for _, body := range []string{"v1", "v2", "v3"} {
		obj := mustPut(t, s, "versions", "k", body)
		if obj.VersionID == "" || obj.VersionID == artifact.NullVersion {
			t.Fatalf("put %s: version id %q", body, obj.VersionID)
		}
		ids = append(ids, obj.VersionID)
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Fatalf("version ids repeat: %v", ids)
	}
	for i, body := range []string{"v1", "v2", "v3"} {
		if obj, data := mustGet(t, s, "versions", "k", ids[i]); data != body || obj.VersionID != ids[i] {
			t.Fatalf("get version %d = %q (%s)", i, data, obj.VersionID)
		}
	}
	if obj, data := mustGet(t, s, "versions", "k", ""); data != "v3" || obj.VersionID != ids[2] {
		t.Fatalf("latest = %q (%s)", data, obj.VersionID)
	}
	if !lacking(t, s, CheckHeadVersion) {
		head, err := s.Head(ctx, "versions", "k", ids[0])
		wantNoErr(t, "head version", err)
		if head.ETag != md5hex([]byte("v1")) || head.VersionID != ids[0] {
			t.Fatalf("head version = %+v", head)
		}
	}
	_, _, err := s.Get(ctx, "versions", "k", "no-such-version", nil)
	wantErr(t, "get an unknown version", err, artifact.ErrNotFound)

	marker, err := s.Delete(ctx, "versions", "k", "")
	wantNoErr(t, "delete", err)
	if !marker.DeleteMarker || marker.VersionID == "" || marker.VersionID == artifact.NullVersion {
		t.Fatalf("delete marker = %+v", marker)
	}
	_, _, err = s.Get(ctx, "versions", "k", "", nil)
	wantErr(t, "get behind a marker", err, artifact.ErrNotFound)
	_, err = s.Head(ctx, "versions", "k", "")
	wantErr(t, "head behind a marker", err, artifact.ErrNotFound)
	if _, data := mustGet(t, s, "versions", "k", ids[1]); data != "v2" {
		t.Fatalf("old version behind a marker = %q", data)
	}
	checkVersions(t, s, "versions", "", "k=M*,k=3,k=2,k=1", ids...)
}

func exerciseDeleteVersion(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "delver", true)
	var ids []string
	for _, body := range []string{"v1", "v2", "v3"} {
		ids = append(ids, mustPut(t, s, "delver", "k", body).VersionID)
	}
	marker, err := s.Delete(ctx, "delver", "k", "")
	wantNoErr(t, "delete", err)

	gone, err := s.Delete(ctx, "delver", "k", ids[0])
	wantNoErr(t, "delete the oldest version", err)
	if gone.VersionID != ids[0] || gone.DeleteMarker {
		t.Fatalf("deleted %+v, want version %q", gone, ids[0])
	}
	_, _, err = s.Get(ctx, "delver", "k", ids[0], nil)
	wantErr(t, "get a deleted version", err, artifact.ErrNotFound)
	if _, data := mustGet(t, s, "delver", "k", ids[1]); data != "v2" {
		t.Fatalf("version kept = %q", data)
	}
	checkVersions(t, s, "delver", "", "k=M*,k=3,k=2", ids...)
	_, err = s.Delete(ctx, "delver", "k", ids[0])
	wantNoErr(t, "delete a version again", err)
	if lacking(t, s, CheckDeleteLatest) {
		return
	}

	gone, err = s.Delete(ctx, "delver", "k", marker.VersionID)
	wantNoErr(t, "delete the marker", err)
	if gone.VersionID != marker.VersionID || !gone.DeleteMarker {
		t.Fatalf("deleted %+v, want the marker %q", gone, marker.VersionID)
	}
	if _, data := mustGet(t, s, "delver", "k", ""); data != "v3" {
		t.Fatalf("latest after removing the marker = %q", data)
	}
	_, err = s.Delete(ctx, "delver", "k", ids[2])
	wantNoErr(t, "delete the latest version", err)
	if _, data := mustGet(t, s, "delver", "k", ""); data != "v2" {
		t.Fatalf("latest after removing v3 = %q", data)
	}
	checkVersions(t, s, "delver", "", "k=2*", ids...)
	_, err = s.Delete(ctx, "delver", "k", ids[1])
	wantNoErr(t, "delete the last version", err)
	_, _, err = s.Get(ctx, "delver", "k", "", nil)
	wantErr(t, "get a key without versions", err, artifact.ErrNotFound)
	checkVersions(t, s, "delver", "", "")
}

func exerciseSuspended(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "suspended", true)
	v1 := mustPut(t, s, "suspended", "k", "v1")
	wantNoErr(t, "suspend", s.SetVersioning(ctx, "suspended", false))
	null := mustPut(t, s, "suspended", "k", "null one")
	if null.VersionID != artifact.NullVersion {
		t.Fatalf("version while suspended = %q", null.VersionID)
	}
	if lacking(t, s, CheckSuspended) {
		return
	}
	mustPut(t, s, "suspended", "k", "null two")
	checkVersions(t, s, "suspended", "", "k=null*,k=1", v1.VersionID)
	if _, data := mustGet(t, s, "suspended", "k", v1.VersionID); data != "v1" {
		t.Fatalf("version kept through suspension = %q", data)
	}
	marker, err := s.Delete(ctx, "suspended", "k", "")
	wantNoErr(t, "delete while suspended", err)
	if !marker.DeleteMarker || marker.VersionID != artifact.NullVersion {
		t.Fatalf("delete while suspended = %+v, want a null marker", marker)
	}
	_, _, err = s.Get(ctx, "suspended", "k", "", nil)
	wantErr(t, "get behind a null marker", err, artifact.ErrNotFound)
}

// checkObject compares what every driver returns for a write or a read.
func checkObject(t *testing.T, what string, got, want artifact.Object) {
	t.Helper()
	if got.Key != want.Key || got.VersionID != want.VersionID || got.Size != want.Size || got.ETag != want.ETag {
		t.Fatalf("%s = {Key:%q Version:%q Size:%d ETag:%q}, want {Key:%q Version:%q Size:%d ETag:%q}", what,
			got.Key, got.VersionID, got.Size, got.ETag, want.Key, want.VersionID, want.Size, want.ETag)
	}
}

func checkMeta(t *testing.T, what string, got, want artifact.Object) {
	t.Helper()
	if got.ContentType != want.ContentType || !maps.Equal(got.Metadata, want.Metadata) {
		t.Fatalf("%s: content type %q metadata %v, want %q %v", what, got.ContentType, got.Metadata, want.ContentType, want.Metadata)
	}
}

// checkVersions lists every version under prefix and compares them with
// want: "key=<n>" per version, where n is the 1-based place of its id in
// ids, oldest first ("M" for a marker, "null" for the null version), and
// "*" marks the latest.
func checkVersions(t *testing.T, s artifact.Store, bucket, prefix, want string, ids ...string) {
	t.Helper()
	l, err := s.ListVersions(ctx, bucket, artifact.ListOptions{Prefix: prefix})
	wantNoErr(t, "list versions", err)
	var got []string
	for _, o := range l.Objects {
		got = append(got, o.Key+"="+versionName(o, ids)+map[bool]string{true: "*"}[o.Latest])
	}
	if g, w := sameVersions(t, s, got, want); g != w {
		t.Fatalf("versions = %s, want %s", g, w)
	}
}

// sameVersions returns the listed versions and those wanted, in order; or
// as sets without the latest marked if the store lacks CheckVersionOrder.
func sameVersions(t *testing.T, s artifact.Store, got []string, want string) (string, string) {
	t.Helper()
	var w []string
	if want != "" {
		w = strings.Split(want, ",")
	}
	if lacking(t, s, CheckVersionOrder) {
		for _, list := range [][]string{got, w} {
			for i := range list {
				list[i] = strings.TrimSuffix(list[i], "*")
			}
			slices.Sort(list)
		}
	}
	return strings.Join(got, ","), strings.Join(w, ",")
}

func versionName(o artifact.Object, ids []string) string {
	switch {
	case o.DeleteMarker:
		return "M"
	case o.VersionID == artifact.NullVersion:
		return "null"
	}
	for i, id := range ids {
		if id == o.VersionID {
			return strconv.Itoa(i + 1)
		}
	}
	return "?" + o.VersionID
}

// readAll reads and closes a body.
func readAll(t *testing.T, body io.ReadCloser) string {
	t.Helper()
	defer body.Close()
	data, err := io.ReadAll(body)
	wantNoErr(t, "read", err)
	return string(data)
}
