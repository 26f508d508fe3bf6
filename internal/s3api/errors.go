package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/sluice-cd/sluice/internal/core"
)

const codeAuthHeaderMalformed = "AuthorizationHeaderMalformed"

// s3Error is an error this package answers itself, in S3's terms.
type s3Error struct {
	code     string
	status   int
	msg      string
	resource string
}

func (e *s3Error) Error() string { return e.code + ": " + e.msg }

func errAccessDenied(msg string) error {
	return &s3Error{code: "AccessDenied", status: http.StatusForbidden, msg: msg}
}

func errInvalidAccessKey() error {
	return &s3Error{code: "InvalidAccessKeyId", status: http.StatusForbidden,
		msg: "The AWS Access Key Id you provided does not exist in our records."}
}

func errNotImplemented(subresource string) error {
	return &s3Error{code: "NotImplemented", status: http.StatusNotImplemented,
		msg: "A header or query you provided implies functionality that is not implemented: ?" + subresource}
}

// bodyError answers a failed read of the request body: a check of
// internal/sigv4, or the connection giving out.
func bodyError(err error) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return signatureError(err, ce)
	}
	return &s3Error{code: "IncompleteBody", status: http.StatusBadRequest,
		msg: "The request body terminated unexpectedly."}
}

// statusOf gives the status S3 answers each code with, for codes the wire
// layer does not know and would answer 500.
var statusOf = map[string]int{
	"AccessDenied":                      http.StatusForbidden,
	"AuthorizationQueryParametersError": http.StatusBadRequest,
	codeAuthHeaderMalformed:             http.StatusBadRequest,
	codeAlreadyOwned:                    http.StatusConflict,
	"ExpiredToken":                      http.StatusBadRequest,
	"InvalidAccessKeyId":                http.StatusForbidden,
	"InvalidRequest":                    http.StatusBadRequest,
	"InvalidToken":                      http.StatusBadRequest,
	"RequestTimeTooSkewed":              http.StatusForbidden,
	"SignatureDoesNotMatch":             http.StatusForbidden,
	"XAmzContentSHA256Mismatch":         http.StatusBadRequest,
}

// errorBody is S3's XML error document.
type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
}

// writeError writes e with the request id, as S3 does: the body is left
// out for HEAD, whose clients read the status only.
func writeError(w http.ResponseWriter, r *http.Request, id string, e *s3Error) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Del("Content-Length")
	h.Del("ETag")
	h.Del("Last-Modified")
	w.WriteHeader(e.status)
	if r.Method == http.MethodHead {
		return
	}
	body := errorBody{Code: e.code, Message: e.msg, Resource: e.resource, RequestID: id, HostID: hostID(id)}
	out, _ := xml.Marshal(body) // plain strings cannot fail
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}
