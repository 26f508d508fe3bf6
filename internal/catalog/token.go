package catalog

import (
	"encoding/base64"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

// Pagination tokens are opaque to clients: the kind of list they belong to
// and the last key of the page they end, base64-encoded. A token of one list
// is refused by another.
func encodeToken(kind, lastKey string) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + lastKey))
	return &t
}

// decodeToken returns the key to continue after; "" for no token.
func decodeToken(kind string, token *string) (string, error) {
	if token == nil {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*token)
	if err != nil {
		return "", invalidToken()
	}
	k, key, ok := strings.Cut(string(raw), "\x00")
	if !ok || k != kind || key == "" {
		return "", invalidToken()
	}
	return key, nil
}

func invalidToken() error {
	return core.Errorf(core.InvalidNextToken, "The next token is not valid. Use the token returned by the previous call.")
}

// pageSize returns the requested page size or the default.
func pageSize[T ~int32](max *T, def int) int {
	if max == nil {
		return def
	}
	return int(*max)
}
