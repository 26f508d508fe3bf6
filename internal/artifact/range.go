package artifact

// Bounds resolves r against an object of size bytes into the offset and
// length to read, as S3 does: an End past the object is cut to its last
// byte, and a suffix longer than the object is the whole object. A Start
// at or past the end, a Start after End, an empty suffix, or any range of
// an empty object is ErrInvalidRange.
func (r Range) Bounds(size int64) (off, n int64, err error) {
	if r.Start < 0 {
		n = min(-r.Start, size)
		if n == 0 {
			return 0, 0, ErrInvalidRange
		}
		return size - n, n, nil
	}
	if r.Start >= size || r.End >= 0 && r.End < r.Start {
		return 0, 0, ErrInvalidRange
	}
	end := size - 1
	if r.End >= 0 && r.End < end {
		end = r.End
	}
	return r.Start, end - r.Start + 1, nil
}
