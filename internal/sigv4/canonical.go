package sigv4

import (
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

// queryPair is one query parameter in canonical form: key and value each
// percent-encoded per RFC 3986, with uppercase hex.
type queryPair struct{ key, value string }

// parseQuery returns the canonical query parameters of raw, sorted by key
// then value. It decodes like url.ParseQuery ("+" is a space), which is what
// the SDK signer does before it re-encodes.
func parseQuery(raw string) ([]queryPair, error) {
	pairs := make([]queryPair, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		ek, okK := canonicalComponent(k)
		ev, okV := canonicalComponent(v)
		if !okK || !okV {
			return nil, core.Errorf(core.IncompleteSignature, "The query string has an invalid percent-encoding in '%s'.", part)
		}
		pairs = append(pairs, queryPair{ek, ev})
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	return pairs, nil
}

// canonicalComponent re-encodes one query key or value. Most are already
// canonical, so it first checks and returns s itself without allocating.
func canonicalComponent(s string) (string, bool) {
	i := 0
	for i < len(s) {
		if isUnreserved(s[i]) {
			i++
			continue
		}
		if s[i] == '%' && i+2 < len(s) &&
			isUpperHex(s[i+1]) && isUpperHex(s[i+2]) && !isUnreserved(unhex(s[i+1])<<4|unhex(s[i+2])) {
			i += 3
			continue
		}
		break
	}
	if i == len(s) {
		return s, true
	}
	dec, err := url.QueryUnescape(s)
	if err != nil {
		return "", false
	}
	return string(appendEscaped(nil, dec, false)), true
}

// hasParam reports whether the canonical query has key (which must be made
// of unreserved characters, so that it is its own encoding).
func hasParam(q []queryPair, key string) bool {
	_, ok := slices.BinarySearchFunc(q, key, func(p queryPair, k string) int { return strings.Compare(p.key, k) })
	return ok
}

// param returns the decoded value of a parameter named key (the first in
// canonical order when it is repeated).
func param(q []queryPair, key string) (string, bool) {
	i, ok := slices.BinarySearchFunc(q, key, func(p queryPair, k string) int { return strings.Compare(p.key, k) })
	if !ok {
		return "", false
	}
	v := q[i].value
	if strings.IndexByte(v, '%') < 0 {
		return v, true
	}
	dec, err := url.PathUnescape(v) // v is canonical: no '+' to misread
	return dec, err == nil
}

// removeParam drops every parameter named key, in place.
func removeParam(q []queryPair, key string) []queryPair {
	return slices.DeleteFunc(q, func(p queryPair) bool { return p.key == key })
}

// appendCanonicalRequest appends the canonical request of the AWS spec:
// method, URI, query, headers, signed header list and payload hash.
func appendCanonicalRequest(buf []byte, r *http.Request, a *auth, p *payload) []byte {
	buf = append(buf, r.Method...)
	buf = append(buf, '\n')
	buf = appendCanonicalURI(buf, r, a.service)
	buf = append(buf, '\n')
	for i, q := range a.query {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = append(buf, q.key...)
		buf = append(buf, '=')
		buf = append(buf, q.value...)
	}
	buf = append(buf, '\n')
	buf = appendCanonicalHeaders(buf, r, a.signedHeaders)
	buf = append(buf, '\n')
	buf = append(buf, a.signedHeaders...)
	buf = append(buf, '\n')
	return p.append(buf)
}

// appendCanonicalURI appends the path as the client signed it. S3 clients
// sign the path exactly as they send it (the SDK with
// DisableURIPathEscaping, botocore's S3SigV4Auth). Other services' clients
// escape the sent path once more, so "%20" becomes "%2520". Neither
// normalises dot segments or double slashes, so we do not either.
func appendCanonicalURI(buf []byte, r *http.Request, service string) []byte {
	p := wirePath(r)
	if service == "s3" {
		return append(buf, p...)
	}
	return appendEscaped(buf, p, true)
}

// wirePath returns the path of r as it was on the wire. r.URL.Path is
// decoded and r.URL.EscapedPath may re-escape it differently, so the request
// line is the source of truth when the server filled it in.
func wirePath(r *http.Request) string {
	u := r.RequestURI
	switch {
	case u == "":
		u = r.URL.EscapedPath() // a request built in memory
	case u[0] == '/':
		u, _, _ = strings.Cut(u, "?")
	default: // absolute form: scheme://authority/path?query
		u, _, _ = strings.Cut(u, "?")
		if _, rest, ok := strings.Cut(u, "://"); ok {
			u = ""
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				u = rest[i:]
			}
		}
	}
	if u == "" {
		return "/"
	}
	return u
}

// appendCanonicalHeaders appends "name:value\n" for each signed header, in
// the client's order. A signed header missing from r gets an empty value,
// so the signature fails rather than the parse.
func appendCanonicalHeaders(buf []byte, r *http.Request, signed string) []byte {
	for rest := signed; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		buf = append(buf, name...)
		buf = append(buf, ':')
		switch name {
		case "host": // net/http moves Host out of the header map
			host := r.Host
			if host == "" {
				host = r.URL.Host
			}
			buf = appendHeaderValue(buf, host)
		case "transfer-encoding": // net/http moves it to r.TransferEncoding
			buf = appendHeaderValues(buf, r.TransferEncoding)
		default:
			vals := headerValues(r.Header, name)
			if len(vals) == 0 && name == "content-length" && r.ContentLength > 0 {
				buf = strconv.AppendInt(buf, r.ContentLength, 10)
				break
			}
			buf = appendHeaderValues(buf, vals)
		}
		buf = append(buf, '\n')
	}
	return buf
}

// headerValues looks name up in h under its canonical MIME form without
// allocating: the key is built on the stack and the map index with
// string(bytes) does not copy.
func headerValues(h http.Header, name string) []string {
	var b [64]byte
	if len(name) > len(b) {
		return h[textproto.CanonicalMIMEHeaderKey(name)]
	}
	upper := true
	for i := range len(name) {
		c := name[i]
		if !isTokenChar(c) {
			return h[name] // textproto leaves such keys as they are
		}
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b[i] = c
		upper = c == '-'
	}
	if v, ok := h[string(b[:len(name)])]; ok {
		return v
	}
	return h[name]
}

// appendHeaderValues joins values with ",", each trimmed and with runs of
// spaces collapsed, as the spec and the SDK do.
func appendHeaderValues(buf []byte, values []string) []byte {
	for i, v := range values {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendHeaderValue(buf, v)
	}
	return buf
}

func appendHeaderValue(buf []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return append(buf, v...)
	}
	for i := range len(v) {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		buf = append(buf, v[i])
	}
	return buf
}

// appendEscaped percent-encodes every byte of s but the unreserved ones of
// RFC 3986 (and "/" when keepSlash), with uppercase hex.
func appendEscaped(buf []byte, s string, keepSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := range len(s) {
		c := s[i]
		if isUnreserved(c) || (keepSlash && c == '/') {
			buf = append(buf, c)
			continue
		}
		buf = append(buf, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return buf
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// isTokenChar reports whether c may appear in a header name (RFC 7230 tchar).
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
