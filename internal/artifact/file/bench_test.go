package file_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact"
)

const benchSize = 100 << 20

// BenchmarkPutGet100MiB writes a 100 MiB object from a file and reads it
// back; MB/s is of the object per write-and-read. Compare it with
// BenchmarkLocalCopy100MiB, the same bytes copied file to file.
func BenchmarkPutGet100MiB(b *testing.B) {
	dir := b.TempDir()
	src := benchSource(b, dir)
	s := mustOpen(b, filepath.Join(dir, "store"))
	must(b, s.CreateBucket(ctx, "bench"))
	var put, get time.Duration
	b.SetBytes(benchSize)
	for b.Loop() {
		start := time.Now()
		f, err := os.Open(src)
		must(b, err)
		_, err = s.Put(ctx, "bench", "big.bin", f, artifact.PutOptions{})
		must(b, err)
		f.Close()
		put += time.Since(start)

		start = time.Now()
		_, body, err := s.Get(ctx, "bench", "big.bin", "", nil)
		must(b, err)
		readAll(b, body)
		get += time.Since(start)
	}
	report(b, put, get)
}

// BenchmarkLocalCopy100MiB copies the same bytes to a new file, syncs it,
// removes the previous copy (as the store drops the version a write
// replaces) and reads the new one back: the floor a store on the same
// disk is measured by.
func BenchmarkLocalCopy100MiB(b *testing.B) {
	dir := b.TempDir()
	src := benchSource(b, dir)
	var put, get time.Duration
	var prev string
	b.SetBytes(benchSize)
	for i := 0; b.Loop(); i++ {
		dst := filepath.Join(dir, fmt.Sprintf("copy-%d.bin", i))
		start := time.Now()
		copyFile(b, src, dst)
		if prev != "" {
			must(b, os.Remove(prev))
		}
		prev = dst
		put += time.Since(start)

		start = time.Now()
		f, err := os.Open(dst)
		must(b, err)
		readAll(b, f)
		get += time.Since(start)
	}
	report(b, put, get)
}

func copyFile(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	must(b, err)
	defer in.Close()
	out, err := os.Create(dst)
	must(b, err)
	_, err = io.Copy(out, in)
	must(b, err)
	must(b, out.Sync())
	must(b, out.Close())
}

func benchSource(b *testing.B, dir string) string {
	b.Helper()
	path := filepath.Join(dir, "src.bin")
	f, err := os.Create(path)
	must(b, err)
	_, err = io.Copy(f, io.LimitReader(rand.NewChaCha8([32]byte{1}), benchSize))
	must(b, err)
	must(b, f.Close())
	return path
}

func readAll(b *testing.B, r io.ReadCloser) {
	defer r.Close()
	n, err := io.Copy(io.Discard, r)
	must(b, err)
	if n != benchSize {
		b.Fatal(fmt.Sprintf("read %d bytes, want %d", n, benchSize))
	}
}

func report(b *testing.B, put, get time.Duration) {
	mb := float64(benchSize) / 1e6 * float64(b.N)
	b.ReportMetric(mb/put.Seconds(), "write-MB/s")
	b.ReportMetric(mb/get.Seconds(), "read-MB/s")
}

// BenchmarkList5000 pages through 5,000 keys, 1,000 at a time, with and
// without a delimiter, after a restart (so the first pass loads the
// index from disk, as a new process would).
func BenchmarkList5000(b *testing.B) {
	root := filepath.Join(b.TempDir(), "store")
	s := mustOpen(b, root)
	must(b, s.CreateBucket(ctx, "list"))
	for i := range 5000 {
		mustPut(b, s, "list", fmt.Sprintf("dir-%02d/file-%04d", i%50, i), "x")
	}
	s = mustOpen(b, root)
	for b.Loop() {
		for _, delim := range []string{"", "/"} {
			opts := artifact.ListOptions{Delimiter: delim}
			for {
				l, err := s.List(ctx, "list", opts)
				must(b, err)
				if !l.Truncated {
					break
				}
				opts.After = l.NextKey
			}
		}
	}
}
