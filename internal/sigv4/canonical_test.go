package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// testSignature signs r for a with the textbook crypto/hmac construction,
// independent of signatureMatches' hand-rolled HMAC.
func testSignature(a *auth, r *http.Request, secret string, p *payload) string {
	canonical := sha256.Sum256(appendCanonicalRequest(nil, r, a, p))
	sts := algorithm + "\n" + a.amzDate + "\n" + a.scope + "\n" + hex.EncodeToString(canonical[:])
	key := deriveKey(secret, a.date, a.region, a.service)
	h := hmac.New(sha256.New, key[:])
	h.Write([]byte(sts))
	return hex.EncodeToString(h.Sum(nil))
}

func TestSignatureMatchesTextbookHMAC(t *testing.T) {
	t.Parallel()
	r := MustNewRequest(t, http.MethodPost, testEndpoint+"/", jsonBody)
	for i, scope := range []string{"us-east-1", strings.Repeat("r", 64)} {
		a := auth{
			scope: "20261121/" + scope + "/codepipeline/aws4_request", date: "20261121",
			region: scope, service: "codepipeline", signedHeaders: "host", amzDate: "20261121T000000Z",
		}
		p := payload{literal: fmt.Sprint(i)}
		a.signature = testSignature(&a, r, "secret", &p)
		key := deriveKey("secret", a.date, a.region, a.service)
		if !signatureMatches(r, &a, &key, &p) {
			t.Fatalf("scope %q: hand-rolled HMAC disagrees with crypto/hmac", scope)
		}
		other := deriveKey("other", a.date, a.region, a.service)
		if signatureMatches(r, &a, &other, &p) {
			t.Fatal("matched with the wrong secret")
		}
	}
}

func TestCanonicalComponent(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", ""},
		{"abc-_.~XYZ09", "abc-_.~XYZ09"},
		{"a+b", "a%20b"},
		{"a%2bb", "a%2Bb"},
		{"%41", "A"},
		{"%7E", "~"},
		{"a b", "a%20b"},
		{"é", "%C3%A9"},
		{"!*'()", "%21%2A%27%28%29"},
		{"20261121/us-east-1", "20261121%2Fus-east-1"},
	}
	for _, c := range cases {
		got, ok := canonicalComponent(c.in)
		if !ok || got != c.want {
			t.Errorf("canonicalComponent(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
		// The SDK's own rule: decode as url.Values, escape, "+" → "%20".
		dec, err := url.QueryUnescape(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if sdk := strings.ReplaceAll(url.QueryEscape(dec), "+", "%20"); sdk != got {
			t.Errorf("canonicalComponent(%q) = %q, SDK rule gives %q", c.in, got, sdk)
		}
	}
	for _, bad := range []string{"%", "%4", "%zz", "a%g1"} {
		if _, ok := canonicalComponent(bad); ok {
			t.Errorf("canonicalComponent(%q) accepted an invalid escape", bad)
		}
	}
}

func TestHeaderValues(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"X-Amz-Meta-Foo": {"a"},
		"Content-Type":   {"b"},
		"weird key":      {"c"},
		"lowercase":      {"d"}, // set by hand, not canonicalised
	}
	for name, want := range map[string]string{
		"x-amz-meta-foo": "a", "content-type": "b", "weird key": "c", "lowercase": "d", "absent": "",
		strings.Repeat("x", 100): "",
	} {
		got := strings.Join(headerValues(h, name), ",")
		if got != want {
			t.Errorf("headerValues(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestWirePath(t *testing.T) {
	t.Parallel()
	cases := []struct{ requestURI, want string }{
		{"/a%20b/c?x=/y", "/a%20b/c"},
		{"http://host:8080/p%2Fq?x=1", "/p%2Fq"},
		{"http://host?x=/y", "/"},
		{"/", "/"},
	}
	for _, c := range cases {
		r := &http.Request{RequestURI: c.requestURI, URL: &url.URL{}}
		if got := wirePath(r); got != c.want {
			t.Errorf("wirePath(%q) = %q, want %q", c.requestURI, got, c.want)
		}
	}
	r := &http.Request{URL: &url.URL{Path: "/a b"}}
	if got := wirePath(r); got != "/a%20b" {
		t.Errorf("wirePath of an in-memory request = %q", got)
	}
}

func TestKeyCacheIsBounded(t *testing.T) {
	t.Parallel()
	var c keyCache
	first := c.signingKey("secret", "20261121", "us-east-1", "s3")
	if first != deriveKey("secret", "20261121", "us-east-1", "s3") {
		t.Fatal("cached key differs from the derived one")
	}
	for i := range 3 * keyCacheSize {
		c.signingKey("secret", "20261121", fmt.Sprintf("region-%d", i), "s3")
	}
	if n := len(c.keys); n > keyCacheSize {
		t.Fatalf("cache holds %d keys, bound is %d", n, keyCacheSize)
	}
	if again := c.signingKey("secret", "20261121", "us-east-1", "s3"); again != first {
		t.Fatal("key changed after eviction")
	}
}

func TestEqualStrings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want bool
	}{{"", "", true}, {"tok", "tok", true}, {"tok", "toK", false}, {"tok", "to", false}, {"", "x", false}} {
		if got := equalStrings(c.a, c.b); got != c.want {
			t.Errorf("equalStrings(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
