package s3api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// transports runs each SDK test over plain HTTP, where the SDK signs the
// body's SHA-256, and over TLS, where it streams aws-chunked bodies with a
// CRC32 trailer.
var transports = []struct {
	name string
	tls  bool
}{{"HTTP", false}, {"TLS", true}}

func TestSDKObjects(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{tls: tr.tls})
			c := b.client(t)
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("objects")})
			must(t, err)
			data := content(300_000)
			put, err := c.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String("objects"), Key: aws.String("dir/my file+1.zip"), Body: bytes.NewReader(data),
				ContentType: aws.String("application/zip"), Metadata: map[string]string{"Pipeline": "demo"},
			})
			must(t, err)
			if put.VersionId != nil {
				t.Fatalf("unversioned bucket gave version %q", *put.VersionId)
			}

			got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("objects"), Key: aws.String("dir/my file+1.zip")})
			if !bytes.Equal(got, data) {
				t.Fatalf("got %d bytes back, want %d", len(got), len(data))
			}
			if *out.ETag != *put.ETag || *out.ContentType != "application/zip" || out.Metadata["pipeline"] != "demo" {
				t.Fatalf("GET: etag %s (put %s), type %s, metadata %v", *out.ETag, *put.ETag, *out.ContentType, out.Metadata)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("objects"), Key: aws.String("dir/my file+1.zip")})
			must(t, err)
			if *head.ContentLength != int64(len(data)) || *head.ETag != *put.ETag || head.LastModified == nil {
				t.Fatalf("HEAD: %d bytes, etag %s", *head.ContentLength, *head.ETag)
			}

			_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("objects"), Key: aws.String("dir/my file+1.zip")})
			must(t, err)
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("objects"), Key: aws.String("dir/my file+1.zip")})
			requireAPIError(t, err, "NoSuchKey")
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("objects"), Key: aws.String("dir/my file+1.zip")})
			requireStatus(t, err, http.StatusNotFound)
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("nothing-here"), Key: aws.String("k")})
			requireAPIError(t, err, "NoSuchBucket")
			_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("objects")})
			must(t, err)
		})
	}
}

func TestSDKVersioning(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{tls: tr.tls})
			c := b.client(t)
			bucket := aws.String("versions")
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket})
			must(t, err)
			_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket,
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
			must(t, err)
			vc, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
			must(t, err)
			if vc.Status != types.BucketVersioningStatusEnabled {
				t.Fatalf("versioning %q", vc.Status)
			}

			v1 := mustPut(t, c, "versions", "k", []byte("one"))
			v2 := mustPut(t, c, "versions", "k", []byte("two"))
			if v1.VersionId == nil || v2.VersionId == nil || *v1.VersionId == *v2.VersionId {
				t.Fatalf("version ids %v %v", v1.VersionId, v2.VersionId)
			}
			got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: v1.VersionId})
			if string(got) != "one" || *out.VersionId != *v1.VersionId {
				t.Fatalf("v1: %q version %s", got, *out.VersionId)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: v1.VersionId})
			must(t, err)
			if *head.ContentLength != 3 || *head.VersionId != *v1.VersionId {
				t.Fatalf("HEAD v1: %d bytes, version %s", *head.ContentLength, *head.VersionId)
			}

			del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("k")})
			must(t, err)
			if !*del.DeleteMarker || del.VersionId == nil {
				t.Fatalf("delete: marker %v, version %v", del.DeleteMarker, del.VersionId)
			}
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")})
			requireAPIError(t, err, "NoSuchKey")
			got, _ = mustGet(t, c, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: v2.VersionId})
			if string(got) != "two" {
				t.Fatalf("v2 after delete: %q", got)
			}
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: aws.String("no-such-version")})
			requireAPIError(t, err, "NoSuchVersion")

			list, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: bucket})
			must(t, err)
			if len(list.DeleteMarkers) != 1 || len(list.Versions) != 2 || !*list.DeleteMarkers[0].IsLatest ||
				*list.Versions[0].VersionId != *v2.VersionId || *list.Versions[1].VersionId != *v1.VersionId {
				t.Fatalf("versions: %d markers, %d versions", len(list.DeleteMarkers), len(list.Versions))
			}

			_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("k"), VersionId: del.VersionId})
			must(t, err)
			got, _ = mustGet(t, c, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")})
			if string(got) != "two" {
				t.Fatalf("latest after removing the marker: %q", got)
			}
		})
	}
}

func TestSDKList(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.client(t)
	bucket := aws.String("listing")
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket})
	must(t, err)
	var keys []string
	for _, dir := range []string{"a", "b", "c"} {
		for i := range 7 {
			keys = append(keys, fmt.Sprintf("%s/%02d.txt", dir, i))
		}
	}
	keys = append(keys, "top.txt")
	for _, k := range keys {
		mustPut(t, c, "listing", k, []byte(k))
	}

	t.Run("PrefixAndDelimiter", func(t *testing.T) {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, Delimiter: aws.String("/")})
		must(t, err)
		if len(out.CommonPrefixes) != 3 || len(out.Contents) != 1 || *out.Contents[0].Key != "top.txt" {
			t.Fatalf("root: %d prefixes, %d objects", len(out.CommonPrefixes), len(out.Contents))
		}
		out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("b/")})
		must(t, err)
		if len(out.Contents) != 7 || *out.Contents[0].Key != "b/00.txt" || *out.Contents[0].Size != 8 {
			t.Fatalf("b/: %d objects", len(out.Contents))
		}
	})

	t.Run("PagesV2", func(t *testing.T) {
		var got []string
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: bucket, MaxKeys: aws.Int32(5)})
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			must(t, err)
			pages++
			for _, o := range out.Contents {
				got = append(got, *o.Key)
			}
		}
		if strings.Join(got, ",") != strings.Join(keys, ",") || pages != 5 {
			t.Fatalf("%d pages: %v", pages, got)
		}
	})

	t.Run("PagesV1WithDelimiter", func(t *testing.T) {
		var prefixes []string
		in := &s3.ListObjectsInput{Bucket: bucket, Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)}
		for {
			out, err := c.ListObjects(ctx, in)
			must(t, err)
			for _, p := range out.CommonPrefixes {
				prefixes = append(prefixes, *p.Prefix)
			}
			if !*out.IsTruncated {
				break
			}
			in.Marker = out.NextMarker
		}
		if strings.Join(prefixes, ",") != "a/,b/,c/" {
			t.Fatalf("prefixes %v", prefixes)
		}
	})

	t.Run("Buckets", func(t *testing.T) {
		out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		must(t, err)
		if len(out.Buckets) != 1 || *out.Buckets[0].Name != "listing" || out.Buckets[0].CreationDate == nil {
			t.Fatalf("buckets %+v", out.Buckets)
		}
	})
}

func TestSDKRanges(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.client(t)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ranges")})
	must(t, err)
	data := content(1000)
	mustPut(t, c, "ranges", "k", data)
	cases := []struct {
		rng        string
		start, end int
	}{
		{"bytes=10-19", 10, 20},
		{"bytes=-5", 995, 1000},
		{"bytes=990-", 990, 1000},
		{"bytes=900-5000", 900, 1000},
	}
	for _, cs := range cases {
		got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("ranges"), Key: aws.String("k"), Range: aws.String(cs.rng)})
		want := fmt.Sprintf("bytes %d-%d/1000", cs.start, cs.end-1)
		if !bytes.Equal(got, data[cs.start:cs.end]) || *out.ContentRange != want {
			t.Fatalf("%s: %d bytes, Content-Range %s (want %s)", cs.rng, len(got), *out.ContentRange, want)
		}
	}
	for _, bad := range []string{"bytes=1000-", "bytes=-0"} {
		_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ranges"), Key: aws.String("k"), Range: aws.String(bad)})
		requireAPIError(t, err, "InvalidRange")
		requireStatus(t, err, http.StatusRequestedRangeNotSatisfiable)
	}
}

func TestSDKCopy(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.client(t)
	for _, bk := range []string{"src", "dst"} {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bk)})
		must(t, err)
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("a b.zip"),
		Body: strings.NewReader("zip bytes"), ContentType: aws.String("application/zip"), Metadata: map[string]string{"k": "v"}})
	must(t, err)
	out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy.zip"), CopySource: aws.String("src/a%20b.zip")})
	must(t, err)
	got, get := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy.zip")})
	if string(got) != "zip bytes" || *get.ContentType != "application/zip" || get.Metadata["k"] != "v" || *get.ETag != *out.CopyObjectResult.ETag {
		t.Fatalf("copy: %q type %s metadata %v", got, *get.ContentType, get.Metadata)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("replaced.zip"), CopySource: aws.String("src/a%20b.zip"),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/plain"), Metadata: map[string]string{"new": "1"}})
	must(t, err)
	_, get = mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("replaced.zip")})
	if *get.ContentType != "text/plain" || get.Metadata["new"] != "1" || get.Metadata["k"] != "" {
		t.Fatalf("replace: type %s metadata %v", *get.ContentType, get.Metadata)
	}
}

// TestSDKPresigned fetches and uploads through presigned URLs with a plain
// HTTP client, as a browser or curl would.
func TestSDKPresigned(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.client(t)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")})
	must(t, err)
	presign := s3.NewPresignClient(c)
	put, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")}, s3.WithPresignExpires(time.Minute))
	must(t, err)
	req, err := http.NewRequest(http.MethodPut, put.URL, strings.NewReader("presigned content"))
	must(t, err)
	resp, body := do(t, b.srv.Client(), req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %d %s", resp.StatusCode, body)
	}
	get, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	must(t, err)
	req, err = http.NewRequest(http.MethodGet, get.URL, nil)
	must(t, err)
	resp, body = do(t, b.srv.Client(), req)
	if resp.StatusCode != http.StatusOK || string(body) != "presigned content" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, body)
	}
}

// TestSDKErrorBody checks S3's XML error form: the code, and the request
// id in the body and the header alike.
func TestSDKErrorBody(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.client(t)
	presign := s3.NewPresignClient(c)
	get, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("missing"), Key: aws.String("k")})
	must(t, err)
	req, err := http.NewRequest(http.MethodGet, get.URL, nil)
	must(t, err)
	resp, body := do(t, b.srv.Client(), req)
	e := s3ErrorOf(t, body)
	if resp.StatusCode != http.StatusNotFound || e.Code != "NoSuchBucket" || e.RequestID == "" ||
		e.RequestID != resp.Header.Get("X-Amz-Request-Id") || resp.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("%d %s: %+v (header id %s)", resp.StatusCode, resp.Header.Get("Content-Type"), e, resp.Header.Get("X-Amz-Request-Id"))
	}
}
