package artifacttest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// exerciseConcurrentPuts races writers of distinct contents to one key
// against readers: every read must be one whole content, whose MD5 is the
// ETag read with it.
func exerciseConcurrentPuts(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "race", false)
	const writers, rounds, size = 6, 4, 256 << 10
	valid := map[string]bool{}
	for w := range writers {
		for r := range rounds {
			valid[md5hex(random(uint64(100+w*rounds+r), size))] = true
		}
	}
	mustPut(t, s, "race", "k", "")
	valid[md5hex(nil)] = true

	var wg sync.WaitGroup
	errs := make(chan error, writers+4)
	done := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				body := random(uint64(100+w*rounds+r), size)
				if _, err := s.Put(ctx, "race", "k", onlyReader{bytes.NewReader(body)}, artifact.PutOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := readWhole(s, valid); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := readWhole(s, valid); err != nil {
		t.Fatal(err)
	}
}

func readWhole(s artifact.Store, valid map[string]bool) error {
	obj, body, err := s.Get(ctx, "race", "k", "", nil)
	if err != nil {
		return err
	}
	defer body.Close()
	h := md5.New()
	if _, err := io.Copy(h, body); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if sum != obj.ETag || !valid[sum] {
		return errors.New("torn read: content " + sum + " with ETag " + obj.ETag)
	}
	return nil
}

// exerciseLarge streams 20 MiB through a reader that cannot seek, and
// reads it back without holding it.
func exerciseLarge(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "large", false)
	const size = 20 << 20
	src := &hashingReader{r: io.LimitReader(rand.NewChaCha8([32]byte{7}), size), h: sha256.New()}
	obj, err := s.Put(ctx, "large", "big.bin", src, artifact.PutOptions{})
	wantNoErr(t, "put large", err)
	if obj.Size != size {
		t.Fatalf("put %d bytes, stored %d", size, obj.Size)
	}
	_, body, err := s.Get(ctx, "large", "big.bin", "", nil)
	wantNoErr(t, "get large", err)
	defer body.Close()
	h := sha256.New()
	n, err := io.Copy(h, body)
	wantNoErr(t, "read large", err)
	if n != size || !bytes.Equal(h.Sum(nil), src.h.Sum(nil)) {
		t.Fatalf("read %d bytes back, SHA-256 differs: %v", n, !bytes.Equal(h.Sum(nil), src.h.Sum(nil)))
	}
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	return n, err
}
