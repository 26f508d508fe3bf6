package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

const (
	algorithm    = "AWS4-HMAC-SHA256"
	terminator   = "aws4_request"
	amzDateForm  = "20060102T150405Z"
	maxExpires   = 7 * 24 * 60 * 60 // a week, AWS's limit on X-Amz-Expires
	hdrAuthz     = "Authorization"
	hdrAmzDate   = "X-Amz-Date"
	hdrDate      = "Date"
	hdrToken     = "X-Amz-Security-Token"
	hdrContentSH = "X-Amz-Content-Sha256"
)

// Query parameters of a presigned URL.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qToken         = "X-Amz-Security-Token"
)

// auth is what a request claims about its signature, before any check
// against a secret. Its strings point into the request; nothing is copied.
type auth struct {
	accessKeyID   string
	scope         string // date/region/service/aws4_request, as signed
	date          string // yyyymmdd of the scope
	region        string
	service       string
	signedHeaders string // ;-separated, as the client listed them
	signature     string // hex, as the client sent it
	amzDate       string // yyyymmddThhmmssZ, as it goes into the string to sign
	time          time.Time
	token         string
	presigned     bool
	expires       time.Duration // presigned only
	query         []queryPair   // canonical query, sorted, without X-Amz-Signature
}

// parseRequest extracts and checks the form of r's signature.
func parseRequest(r *http.Request) (auth, error) {
	authz := firstHeader(r.Header, hdrAuthz)
	raw := r.URL.RawQuery
	// A query without "X-Amz-" cannot be presigned; skip parsing it before
	// answering the common unauthenticated probe.
	if authz == "" && !strings.Contains(raw, "X-Amz-") {
		return auth{}, core.Errorf(core.MissingAuthenticationToken, msgMissingToken)
	}
	var a auth
	if raw != "" {
		q, err := parseQuery(raw)
		if err != nil {
			return auth{}, err
		}
		a.query = q
	}
	presigned := hasParam(a.query, qAlgorithm) || hasParam(a.query, qCredential) || hasParam(a.query, qSignature)
	switch {
	case authz != "" && presigned:
		return auth{}, core.Errorf(core.IncompleteSignature,
			"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	case authz != "":
		return a, a.parseHeader(r, authz)
	case presigned:
		return a, a.parsePresigned()
	}
	return auth{}, core.Errorf(core.MissingAuthenticationToken, msgMissingToken)
}

// parseHeader reads the Authorization header form.
func (a *auth) parseHeader(r *http.Request, authz string) error {
	alg, rest, _ := strings.Cut(authz, " ")
	if alg != algorithm {
		return core.Errorf(core.IncompleteSignature, "Unsupported AWS 'algorithm': '%s'. Authorization=%s", alg, authz)
	}
	var credential string
	var haveCred, haveSig, haveSH bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return core.Errorf(core.IncompleteSignature,
				"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, authz)
		}
		switch strings.TrimSpace(k) {
		case "Credential":
			credential, haveCred = strings.TrimSpace(v), true
		case "SignedHeaders":
			a.signedHeaders, haveSH = strings.TrimSpace(v), true
		case "Signature":
			a.signature, haveSig = strings.TrimSpace(v), true
		}
	}
	a.amzDate = firstHeader(r.Header, hdrAmzDate)
	date := a.amzDate
	if date == "" {
		date = firstHeader(r.Header, hdrDate)
	}
	if !haveCred || !haveSig || !haveSH || date == "" {
		return missingParts(authz, haveCred, haveSig, haveSH, date != "")
	}
	if err := a.parseCredential(credential, "Authorization"); err != nil {
		return err
	}
	if err := a.parseTime(date, a.amzDate == ""); err != nil {
		return err
	}
	a.token = firstHeader(r.Header, hdrToken)
	return a.checkSignedHeaders()
}

// missingParts lists every missing part in one message, as AWS does.
func missingParts(authz string, cred, sig, sh, date bool) error {
	var b strings.Builder
	for _, m := range []struct {
		ok   bool
		text string
	}{
		{cred, "Authorization header requires 'Credential' parameter. "},
		{sig, "Authorization header requires 'Signature' parameter. "},
		{sh, "Authorization header requires 'SignedHeaders' parameter. "},
		{date, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "},
	} {
		if !m.ok {
			b.WriteString(m.text)
		}
	}
	b.WriteString("Authorization=")
	b.WriteString(authz)
	return &core.Error{Code: core.IncompleteSignature, Message: b.String()}
}

// parsePresigned reads the query form; a.query already holds the parameters.
func (a *auth) parsePresigned() error {
	a.presigned = true
	alg, okAlg := param(a.query, qAlgorithm)
	cred, okCred := param(a.query, qCredential)
	date, okDate := param(a.query, qDate)
	expires, okExp := param(a.query, qExpires)
	sh, okSH := param(a.query, qSignedHeaders)
	sig, okSig := param(a.query, qSignature)
	if !okAlg || !okCred || !okDate || !okExp || !okSH || !okSig {
		return core.Errorf(core.IncompleteSignature,
			"Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	if alg != algorithm {
		return core.Errorf(core.IncompleteSignature, "X-Amz-Algorithm only supports \"%s\"", algorithm)
	}
	n, err := strconv.Atoi(expires)
	switch {
	case err != nil:
		return core.Errorf(core.IncompleteSignature, "X-Amz-Expires should be a number")
	case n < 1:
		return core.Errorf(core.IncompleteSignature, "X-Amz-Expires must be at least 1 second")
	case n > maxExpires:
		return core.Errorf(core.IncompleteSignature,
			"X-Amz-Expires must be less than a week (in seconds) that is %d", maxExpires)
	}
	a.expires = time.Duration(n) * time.Second
	a.signedHeaders, a.signature = sh, sig
	a.token, _ = param(a.query, qToken)
	a.query = removeParam(a.query, qSignature)
	if err := a.parseCredential(cred, qCredential); err != nil {
		return err
	}
	a.amzDate = date
	if err := a.parseTime(date, false); err != nil {
		return err
	}
	return a.checkSignedHeaders()
}

// parseCredential splits AKID/yyyymmdd/region/service/aws4_request; where
// names the header or parameter for the message.
func (a *auth) parseCredential(cred, where string) error {
	akid, scope, ok := strings.Cut(cred, "/")
	if !ok || akid == "" {
		return malformedCredential(where)
	}
	parts := [4]string{}
	rest := scope
	for i := range parts {
		var found bool
		parts[i], rest, found = strings.Cut(rest, "/")
		if found == (i == len(parts)-1) {
			return malformedCredential(where) // fewer or more than five elements
		}
	}
	date, region, service, term := parts[0], parts[1], parts[2], parts[3]
	switch {
	case !isDigits(date, 8):
		return core.Errorf(core.IncompleteSignature, "Credential should be scoped to a valid date, not '%s'. ", date)
	case !isName(region):
		return core.Errorf(core.IncompleteSignature, "Credential should be scoped to a valid region, not '%s'. ", region)
	case !isName(service):
		return core.Errorf(core.IncompleteSignature, "Credential should be scoped to a valid service, not '%s'. ", service)
	case term != terminator:
		return core.Errorf(core.IncompleteSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", term)
	}
	a.accessKeyID, a.scope = akid, scope
	a.date, a.region, a.service = date, region, service
	return nil
}

func malformedCredential(where string) error {
	return core.Errorf(core.IncompleteSignature,
		"Error parsing the %s parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".", where)
}

// parseTime reads the request date and checks it against the scope date.
// httpDate is true when the date came from the Date header.
func (a *auth) parseTime(s string, httpDate bool) error {
	var err error
	if httpDate {
		a.time, err = http.ParseTime(s)
	} else if len(s) != len(amzDateForm) {
		err = strconv.ErrSyntax // time.Parse would take a one-digit hour
	} else {
		a.time, err = time.Parse(amzDateForm, s)
	}
	if err != nil {
		return core.Errorf(core.IncompleteSignature,
			"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", s)
	}
	if httpDate {
		a.amzDate = formatAmzDate(a.time)
	}
	if a.amzDate[:8] != a.date {
		return core.Errorf(core.IncompleteSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.date, a.amzDate[:8], a.amzDate)
	}
	return nil
}

// checkSignedHeaders requires host to be signed, as AWS does, so a signature
// cannot be replayed against another endpoint. The date need not be a signed
// header: the string to sign covers it anyway.
func (a *auth) checkSignedHeaders() error {
	hasHost := false
	for rest := a.signedHeaders; ; {
		var name string
		var more bool
		name, rest, more = strings.Cut(rest, ";")
		if name == "" {
			return core.Errorf(core.IncompleteSignature, "SignedHeaders '%s' has an empty header name.", a.signedHeaders)
		}
		if name == "host" {
			hasHost = true
		}
		if !more {
			break
		}
	}
	if !hasHost {
		return core.Errorf(core.IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

func formatAmzDate(t time.Time) string { return t.UTC().Format(amzDateForm) }

func firstHeader(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isName accepts region and service names: lowercase letters, digits and
// hyphens. Identity reports them and callers build ARNs from them, so
// nothing else gets through.
func isName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}
