package sigv4

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	// nvme is CRC-64/NVME in the reversed form hash/crc64 takes; the AWS
	// SDKs use the same constant.
	nvme = crc64.MakeTable(0x9a6c9329ac4bc9b5)
)

// checksumAlgorithms are the x-amz-checksum-* headers (and trailers) S3
// accepts, by lower-case name, with the upper-case name its messages use.
var checksumAlgorithms = map[string]struct {
	label string
	new   func() hash.Hash
}{
	"x-amz-checksum-crc32":     {"CRC32", func() hash.Hash { return crc32.NewIEEE() }},
	"x-amz-checksum-crc32c":    {"CRC32C", func() hash.Hash { return crc32.New(castagnoli) }},
	"x-amz-checksum-crc64nvme": {"CRC64NVME", func() hash.Hash { return crc64.New(nvme) }},
	"x-amz-checksum-sha1":      {"SHA1", sha1.New},
	"x-amz-checksum-sha256":    {"SHA256", sha256.New},
}

// checksum is one x-amz-checksum-* check of a body's content. The digest
// goes on the wire in base64, big-endian for the CRCs, which is what each
// hash's Sum gives.
type checksum struct {
	name string // lower-case header name
	hash hash.Hash
	want string // as sent; a trailer's arrives after the content
}

func newChecksum(name string) (checksum, bool) {
	alg, ok := checksumAlgorithms[name]
	if !ok {
		return checksum{}, false
	}
	return checksum{name: name, hash: alg.new()}, true
}

func (c *checksum) verify() error {
	var buf [sha256.Size]byte
	got := base64.StdEncoding.EncodeToString(c.hash.Sum(buf[:0]))
	if got != c.want {
		return withReason(ErrChecksum, core.Errorf(core.InvalidSignature,
			"The %s you specified did not match the calculated checksum.", checksumAlgorithms[c.name].label))
	}
	return nil
}

// contentCheck is everything a body's content must hash to once all of it
// has been read: the declared X-Amz-Content-Sha256, x-amz-checksum-*
// headers, and the checksum of an aws-chunked trailer.
type contentCheck struct {
	sha256 hash.Hash // nil unless a payload hash was declared
	want   [sha256.Size]byte
	sums   []checksum
}

// headerChecksums adds a check for each x-amz-checksum-* header of r.
func (c *contentCheck) headerChecksums(r *http.Request) {
	for name, vals := range r.Header {
		if len(vals) == 0 || !strings.HasPrefix(name, "X-Amz-Checksum-") {
			continue
		}
		if sum, ok := newChecksum(strings.ToLower(name)); ok {
			sum.want = vals[0]
			c.sums = append(c.sums, sum)
		}
	}
}

func (c *contentCheck) empty() bool { return c.sha256 == nil && len(c.sums) == 0 }

func (c *contentCheck) write(p []byte) {
	if c.sha256 != nil {
		c.sha256.Write(p)
	}
	for i := range c.sums {
		c.sums[i].hash.Write(p)
	}
}

func (c *contentCheck) verify() error {
	if c.sha256 != nil {
		var buf [sha256.Size]byte
		if [sha256.Size]byte(c.sha256.Sum(buf[:0])) != c.want {
			return withReason(ErrContentSHA256, core.Errorf(core.InvalidSignature, msgBadContentSHA))
		}
	}
	for i := range c.sums {
		if err := c.sums[i].verify(); err != nil {
			return err
		}
	}
	return nil
}
