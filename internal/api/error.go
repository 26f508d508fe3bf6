package api

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/sigv4"
)

// statusOf is the HTTP status of each code that is not a plain 400.
var statusOf = map[core.Code]int{
	core.Conflict:                   http.StatusConflict,
	core.MissingAuthenticationToken: http.StatusForbidden,
	core.InvalidSignature:           http.StatusForbidden,
	core.UnrecognizedClient:         http.StatusForbidden,
	core.AccessDenied:               http.StatusForbidden,
	sigv4.ExpiredToken:              http.StatusForbidden,
	core.Internal:                   http.StatusInternalServerError,
}

func status(code core.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

// errorBody is what every AWS JSON client reads: the bare error name in
// __type (botocore reads only this) and the message.
type errorBody struct {
	Type    core.Code `json:"__type"`
	Message string    `json:"message"`
}

// writeError answers err. Errors that are not *core.Error are internal: they
// are logged with the request id and the client sees only a generic message.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := core.ErrorCode(err)
	if code == core.Internal {
		log.ErrorContext(r.Context(), "internal failure", "request_id", w.Header().Get(requestIDHeader),
			"target", r.Header.Get(targetHeader), "err", err)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", string(code))
	w.WriteHeader(status(code))
	_ = json.NewEncoder(w).Encode(errorBody{Type: code, Message: core.ErrorMessage(err)})
}
