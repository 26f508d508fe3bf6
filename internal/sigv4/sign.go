package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
)

// bufPool recycles the buffer the canonical request and string to sign are
// built in; every verified request needs one.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// maxPooledBuf keeps a request with huge headers from pinning its buffer.
const maxPooledBuf = 64 << 10

// signatureMatches recomputes the signature of r with the signing key and
// compares it with the client's in constant time.
func signatureMatches(r *http.Request, a *auth, key *[sha256.Size]byte, p *payload) bool {
	var want [sha256.Size]byte
	if !decodeHex(a.signature, &want) {
		return false
	}

	bp := bufPool.Get().(*[]byte)
	buf := appendCanonicalRequest((*bp)[:0], r, a, p)
	canonical := sha256.Sum256(buf)

	// HMAC(key, stringToSign) by hand: the message is built right after
	// the inner pad, so neither hmac.New nor a hash.Hash is allocated.
	buf = appendPad(buf[:0], key, 0x36)
	buf = append(buf, algorithm+"\n"...)
	buf = append(buf, a.amzDate...)
	buf = append(buf, '\n')
	buf = append(buf, a.scope...)
	buf = append(buf, '\n')
	buf = hex.AppendEncode(buf, canonical[:])
	inner := sha256.Sum256(buf)
	var outer [hmacBlock + sha256.Size]byte
	copy(outer[hmacBlock:], inner[:])
	appendPad(outer[:0], key, 0x5c)
	got := sha256.Sum256(outer[:])

	if cap(buf) <= maxPooledBuf {
		*bp = buf
		bufPool.Put(bp)
	}
	return hmac.Equal(got[:], want[:])
}

const hmacBlock = 64 // SHA-256 block size

// appendPad appends key XOR pad, padded to a block with pad.
func appendPad(buf []byte, key *[sha256.Size]byte, pad byte) []byte {
	for _, b := range key {
		buf = append(buf, b^pad)
	}
	for range hmacBlock - len(key) {
		buf = append(buf, pad)
	}
	return buf
}

// deriveKey computes the signing key of the SigV4 spec.
func deriveKey(secret, date, region, service string) [sha256.Size]byte {
	k := hmacSum([]byte("AWS4"+secret), date)
	k = hmacSum(k, region)
	k = hmacSum(k, service)
	k = hmacSum(k, terminator)
	return [sha256.Size]byte(k)
}

func hmacSum(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// keyCacheSize bounds the cache. A few entries per credential and day are
// live at a time; the bound only matters against churn.
const keyCacheSize = 1024

// keyCache remembers derived signing keys, which cost four HMACs each and
// change once a day per credential, region and service.
type keyCache struct {
	mu   sync.RWMutex
	keys map[cacheKey][sha256.Size]byte
}

type cacheKey struct{ secret, date, region, service string }

func (c *keyCache) signingKey(secret, date, region, service string) [sha256.Size]byte {
	k := cacheKey{secret, date, region, service}
	c.mu.RLock()
	key, ok := c.keys[k]
	c.mu.RUnlock()
	if ok {
		return key
	}
	key = deriveKey(secret, date, region, service)
	// The scope strings point into the Authorization header; copy them so
	// the cache does not keep whole requests alive.
	k.date, k.region, k.service = strings.Clone(date), strings.Clone(region), strings.Clone(service)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = make(map[cacheKey][sha256.Size]byte)
	}
	if len(c.keys) >= keyCacheSize {
		for old := range c.keys { // map order is random: evicts a random key
			delete(c.keys, old)
			break
		}
	}
	c.keys[k] = key
	return key
}

// equalStrings compares a and b in time that depends only on their lengths,
// without converting them to []byte.
func equalStrings(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var diff byte
	for i := range len(a) {
		diff |= a[i] ^ b[i]
	}
	return diff == 0
}
