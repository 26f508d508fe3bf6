package api

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/google/uuid"
)

const requestIDHeader = "x-amzn-RequestId"

// withRequestID gives every response a request id, as AWS does; the SDKs
// read it into their response metadata.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(requestIDHeader, uuid.NewString())
		next.ServeHTTP(w, r)
	})
}

// withRecover turns a panic into an InternalFailure answer, so no panic
// ever reaches a client as a dropped connection.
func withRecover(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					writeError(w, r, log, fmt.Errorf("panic: %v", v))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
