package s3

import (
	"context"
	"fmt"
	"io"
	"os"
)

// sized is a body the SDK can send: it must seek, because a request is
// signed over a hash of its payload (the only choice over plain HTTP), and
// its length must be known up front.
type sized struct {
	io.ReadSeeker
	base  int64 // where the body starts in the seeker
	size  int64
	close func()
}

// section is the part of b from off of n bytes, itself seekable; only
// one section may be read at a time.
func (b sized) section(off, n int64) *io.SectionReader {
	return io.NewSectionReader(readerAt{b.ReadSeeker, b.base}, off, n)
}

// seekable returns body as is when it seeks, or spooled to a temp file
// when it does not (a network stream); close removes the file.
func seekable(ctx context.Context, body io.Reader) (sized, error) {
	if rs, ok := body.(io.ReadSeeker); ok {
		cur, err := rs.Seek(0, io.SeekCurrent)
		if err != nil {
			return sized{}, err
		}
		end, err := rs.Seek(0, io.SeekEnd)
		if err != nil {
			return sized{}, err
		}
		if _, err := rs.Seek(cur, io.SeekStart); err != nil {
			return sized{}, err
		}
		return sized{ReadSeeker: rs, base: cur, size: end - cur, close: func() {}}, nil
	}
	f, err := os.CreateTemp("", "artifact-s3-")
	if err != nil {
		return sized{}, fmt.Errorf("spool body: %w", err)
	}
	drop := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, ctxReader{ctx, body})
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		drop()
		return sized{}, fmt.Errorf("spool body: %w", err)
	}
	return sized{ReadSeeker: f, size: n, close: drop}, nil
}

// readerAt reads a seeker at offsets from base, for io.SectionReader. It
// is not safe for concurrent use, nor need it be: one request reads it.
type readerAt struct {
	rs   io.ReadSeeker
	base int64
}

func (r readerAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := r.rs.Seek(r.base+off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(r.rs, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
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
