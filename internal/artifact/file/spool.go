package file

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// spooled is content written to a synced temp file, not yet committed.
type spooled struct {
	path string
	size int64
	md5  []byte
}

// spoolBuffer is the size of the copy buffer: a 100 MiB write is a
// hundred system calls.
const spoolBuffer = 1 << 20

// spool streams body into a temp file in dir, hashing it on the way, and
// syncs it. The caller renames or removes the file.
func spool(ctx context.Context, dir string, body io.Reader) (spooled, error) {
	f, err := os.CreateTemp(dir, "data-")
	if err != nil {
		return spooled{}, fmt.Errorf("spool: %w", err)
	}
	n, sum, err := writeHashed(f, ctxReader{ctx, body})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return spooled{}, fmt.Errorf("spool: %w", err)
	}
	return spooled{path: f.Name(), size: n, md5: sum}, nil
}

// writeHashed copies src into f, syncs f, and returns the MD5 of what it
// wrote. MD5 is slower than a disk, so it runs beside the copy: a second
// goroutine reads back, from the page cache, what the copy has written so
// far. The copy is never held back by the hash, and the sync overlaps
// the hash's tail.
func writeHashed(f *os.File, src io.Reader) (int64, []byte, error) {
	var written atomic.Int64
	wake := make(chan struct{}, 1)
	copied := make(chan struct{})
	type result struct {
		sum []byte
		err error
	}
	hashed := make(chan result, 1)
	go func() {
		sum, err := hashBehind(f, &written, wake, copied)
		hashed <- result{sum, err}
	}()

	n, err := copyNotify(f, src, &written, wake)
	close(copied)
	if err == nil {
		err = f.Sync()
	}
	h := <-hashed
	if err == nil && h.err != nil {
		err = fmt.Errorf("read back for the checksum: %w", h.err)
	}
	return n, h.sum, err
}

// copyNotify copies src to f, publishing in written how far it got.
func copyNotify(f *os.File, src io.Reader, written *atomic.Int64, wake chan<- struct{}) (int64, error) {
	buf := make([]byte, spoolBuffer)
	for {
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				return written.Load(), werr
			}
			written.Add(int64(n))
			select {
			case wake <- struct{}{}:
			default: // the hasher has a wake-up pending already
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return written.Load(), nil
		}
		if err != nil {
			return written.Load(), err
		}
	}
}

// hashBehind hashes f up to written until the copy is over.
func hashBehind(f *os.File, written *atomic.Int64, wake <-chan struct{}, copied <-chan struct{}) ([]byte, error) {
	h := md5.New()
	buf := make([]byte, spoolBuffer)
	var off int64
	for {
		for mark := written.Load(); off < mark; {
			n, err := f.ReadAt(buf[:min(int64(len(buf)), mark-off)], off)
			if err != nil {
				return nil, err
			}
			h.Write(buf[:n])
			off += int64(n)
		}
		select {
		case <-wake:
		case <-copied:
			if off == written.Load() {
				return h.Sum(nil), nil
			}
		}
	}
}

// ctxReader stops a long copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
