package artifact

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Limits S3 sets on names and uploads, which every driver enforces alike.
const (
	MaxKeyLen   = 1024    // bytes of UTF-8
	MinPartSize = 5 << 20 // every part of an upload but the last
	MaxParts    = 10000   // part numbers run 1..MaxParts
	MaxListPage = 1000    // the most a listing page holds
)

// CheckBucketName returns ErrInvalidBucketName (wrapped with the reason)
// unless name follows S3's rules for general purpose buckets: 3 to 63
// lowercase letters, digits, dots and hyphens, starting and ending with a
// letter or digit, no two dots in a row, not an IP address and none of the
// prefixes and suffixes S3 keeps for itself. Drivers that keep buckets as
// directories rely on it: such a name is always one harmless path element.
func CheckBucketName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidBucketName, name, why)
	}
	if len(name) < 3 || len(name) > 63 {
		return bad("must be 3 to 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("only lowercase letters, digits, dots and hyphens are allowed")
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return bad("must start and end with a letter or digit")
	}
	if strings.Contains(name, "..") {
		return bad("must not hold two dots in a row")
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return bad("must not be an IP address")
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad("must not start with " + p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return bad("must not end with " + s)
		}
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// CheckKey returns ErrInvalidKey (wrapped with the reason) unless key is a
// non-empty UTF-8 string of at most MaxKeyLen bytes. Nothing else about a
// key is refused: "/", "..", spaces and control characters are all S3 keys.
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalidKey, len(key), MaxKeyLen)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not UTF-8", ErrInvalidKey)
	}
	return nil
}

// PageSize is the number of entries a page of opts holds: Max, or
// MaxListPage when Max is zero or larger.
func (o ListOptions) PageSize() int {
	if o.Max <= 0 || o.Max > MaxListPage {
		return MaxListPage
	}
	return o.Max
}
