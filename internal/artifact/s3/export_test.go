package s3

// SetPartSizes lowers the sizes past which a Put goes up in parts, so a
// test can take that path without gigabytes.
func SetPartSizes(s *Store, singlePut, partSize int64) {
	s.singlePut, s.partSize = singlePut, partSize
}

var Interpret = interpret
