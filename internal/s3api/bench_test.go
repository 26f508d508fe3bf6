package s3api

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const benchSize = 100 << 20

// BenchmarkObject100MiB puts and gets a 100 MiB object through the
// endpoint with the SDK over loopback, into the file store in a temp dir,
// and copies the same bytes file to file as the yardstick. MB/s is each
// way's throughput. Over plain HTTP the SDK hashes the body and the
// endpoint checks the hash; over TLS it streams aws-chunked with a CRC32
// trailer. Both sides of each transfer share the machine's cores.
func BenchmarkObject100MiB(b *testing.B) {
	data := content(benchSize)
	for _, tr := range transports {
		bundle := setup(b, setupOpts{tls: tr.tls})
		c := bundle.client(b)
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")})
		must(b, err)
		b.Run("Put"+tr.name, func(b *testing.B) {
			b.SetBytes(benchSize)
			for b.Loop() {
				mustPut(b, c, "bench", "object", data)
			}
		})
		b.Run("Get"+tr.name, func(b *testing.B) {
			b.SetBytes(benchSize)
			buf := make([]byte, 1<<20)
			for b.Loop() {
				out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("object")})
				must(b, err)
				n, err := io.CopyBuffer(io.Discard, out.Body, buf)
				must(b, err)
				out.Body.Close()
				if n != benchSize {
					b.Fatalf("read %d bytes", n)
				}
			}
		})
	}
	b.Run("LocalCopy", func(b *testing.B) {
		b.SetBytes(benchSize)
		dir := b.TempDir()
		src := filepath.Join(dir, "src")
		must(b, os.WriteFile(src, data, 0o600))
		for b.Loop() {
			localCopy(b, src, filepath.Join(dir, "dst"))
		}
	})
}

// localCopy copies src to dst through a buffer, as a store does (no
// in-kernel copy), and syncs dst, as the file store syncs every write.
func localCopy(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	must(b, err)
	defer in.Close()
	out, err := os.Create(dst)
	must(b, err)
	_, err = io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{in}, make([]byte, 1<<20))
	must(b, err)
	must(b, out.Sync())
	must(b, out.Close())
}
