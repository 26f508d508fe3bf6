package s3api

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestBodiesStream puts and gets a 100 MiB object and checks that neither
// was held in memory whole: what the process allocates meanwhile (client,
// endpoint and store together) stays far below the object's size. It does
// not run in parallel, because the allocation count is the whole
// process's.
func TestBodiesStream(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 200 MiB")
	}
	const size = 100 << 20
	const limit = 24 << 20
	data := content(size)
	b := setup(t, setupOpts{tls: true})
	c := b.client(t)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")})
	must(t, err)

	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	put := allocated(func() {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("k"),
			Body: io.MultiReader(bytes.NewReader(data)), ContentLength: aws.Int64(size)})
		must(t, err)
	})
	var n int64
	get := allocated(func() {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("k")})
		must(t, err)
		defer out.Body.Close()
		n, err = io.Copy(io.Discard, out.Body)
		must(t, err)
	})
	if n != size {
		t.Fatalf("read back %d bytes", n)
	}
	t.Logf("allocated during a 100 MiB PUT: %d KiB, GET: %d KiB", put>>10, get>>10)
	if put > limit || get > limit {
		t.Fatalf("allocated %d MiB for the PUT and %d MiB for the GET of 100 MiB", put>>20, get>>20)
	}
}
