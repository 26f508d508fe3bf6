package s3api

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// hdrETag carries an object's ETag from the backend to the response. The
// wire layer writes the ETag as the hex of an MD5, which a multipart
// object's "<md5>-<parts>" is not, so the backend puts the real one here
// and the writer moves it into ETag.
const hdrETag = "X-Sluice-Etag"

// maxHeldError bounds an error body held for rewriting; the wire layer's
// are a few hundred bytes.
const maxHeldError = 64 << 10

// responseWriter stands between the wire layer and the client. Success
// passes straight through, a GET's body streaming from the store. Error
// responses are held back and rewritten in
// writeError's form: the request id in body and headers, the status S3
// gives the code, and a failed check of the request body in place of the
// internal error the wire layer makes of it.
type responseWriter struct {
	http.ResponseWriter
	r   *http.Request
	st  *requestState
	log *slog.Logger

	wroteHeader bool
	held        *bytes.Buffer // the error body, once WriteHeader saw >= 400
	heldStatus  int
	failed      error // an error of ours, answered by finish
}

// Unwrap lets http.ResponseController reach the connection.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if status >= http.StatusBadRequest {
		w.held, w.heldStatus = new(bytes.Buffer), status
		return
	}
	h := w.Header()
	if etag := h.Get(hdrETag); etag != "" {
		h.Set("ETag", etag)
		h.Del(hdrETag)
	}
	w.setIDs()
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.held != nil {
		if w.held.Len()+len(b) <= maxHeldError {
			w.held.Write(b)
		}
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom hands a GET body to the server's own ReadFrom, which copies in
// larger blocks than io.Copy's.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok && w.held == nil {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w}, src)
}

// writerOnly hides ReadFrom from io.Copy, which would call it again.
type writerOnly struct{ io.Writer }

func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok && w.held == nil && w.wroteHeader {
		f.Flush()
	}
}

// fail makes finish answer err (an *s3Error, or an internal error).
func (w *responseWriter) fail(err error) { w.failed = err }

// finish sends what is still to be sent: a failed check of the request
// body, an error of ours, a held error, or the headers of a response that
// had no body. Once a response has gone out, nothing can replace it.
func (w *responseWriter) finish() {
	switch {
	case w.wroteHeader && w.held == nil: // sent
	case w.st.bodyErr != nil:
		w.answer(bodyError(w.st.bodyErr))
	case w.failed != nil:
		w.answer(w.failed)
	case w.held != nil:
		w.answer(w.rewrite())
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// answer writes err in place of what the wire layer held back, if anything.
func (w *responseWriter) answer(err error) {
	var e *s3Error
	if !errors.As(err, &e) {
		w.log.ErrorContext(w.r.Context(), "s3 request failed", "request_id", w.st.id,
			"method", w.r.Method, "path", w.r.URL.Path, "err", err)
		e = &s3Error{code: "InternalError", status: http.StatusInternalServerError,
			msg: "We encountered an internal error. Please try again."}
	}
	w.setIDs()
	writeError(w.ResponseWriter, w.r, w.st.id, e)
}

// rewrite reads back the wire layer's error body: its code and message,
// with the status S3 gives the code. A HEAD's error has no body; its
// status stands.
func (w *responseWriter) rewrite() error {
	var body errorBody
	_ = xml.Unmarshal(w.held.Bytes(), &body)
	e := &s3Error{code: body.Code, status: w.heldStatus, msg: body.Message, resource: body.Resource}
	if s, ok := statusOf[e.code]; ok {
		e.status = s
	}
	if e.code == "" {
		e.code = http.StatusText(w.heldStatus)
	}
	return e // an internal error was logged where it happened
}

// setIDs replaces the wire layer's request ids with this request's.
func (w *responseWriter) setIDs() {
	h := w.Header()
	h.Set("X-Amz-Request-Id", w.st.id)
	h.Set("X-Amz-Id-2", hostID(w.st.id))
	h.Del(hdrETag)
}

// hostID fills x-amz-id-2 and HostId, which S3 clients log beside the id.
func hostID(id string) string { return base64.StdEncoding.EncodeToString([]byte(id + id)) }
