// Package page holds the pagination tokens every listing hands out.
//
// Tokens are opaque to clients: the kind of list they belong to and the
// last key of the page they end, base64-encoded. A token of one list is
// refused by another.
package page

import (
	"encoding/base64"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

// Token is the token of the page after the one ending with lastKey.
func Token(kind, lastKey string) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + lastKey))
	return &t
}

// After returns the key to continue after; "" for no token.
func After(kind string, token *string) (string, error) {
	if token == nil {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*token)
	if err != nil {
		return "", Invalid()
	}
	k, key, ok := strings.Cut(string(raw), "\x00")
	if !ok || k != kind || key == "" {
		return "", Invalid()
	}
	return key, nil
}

// Invalid is the error of a token this list did not hand out.
func Invalid() error {
	return core.Errorf(core.InvalidNextToken, "The next token is not valid. Use the token returned by the previous call.")
}

// Size returns the requested page size or the default.
func Size[T ~int32](max *T, def int) int {
	if max == nil {
		return def
	}
	return int(*max)
}
