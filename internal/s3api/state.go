package s3api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	"github.com/rclone/gofakes3"
)

// requestState is what this package knows of a request beyond what the
// wire layer passes to the backend. It travels in the request's context.
type requestState struct {
	id string // x-amz-request-id
	// grant is the job grant the request's access key resolved to; the
	// job verifier's credential lookup reads it.
	grant *Grant
	// account and region are an account principal's, for the bucket
	// operations that claim, release and list buckets by owner; account
	// is "" for a job.
	account, region string
	// versionID is the versionId of a HEAD, which the wire layer does not
	// hand to the backend.
	versionID string
	// bodyErr is the first failed check of the request body. The wire
	// layer would answer it as an internal error; the response writer
	// answers it instead.
	bodyErr error
}

type stateKey struct{}

func withState(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

// stateOf returns the request's state, or an empty one for a context
// without (calls the wire layer makes without the request's context).
func stateOf(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// newRequestID returns 16 upper-case hex digits, the form of S3's ids.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// wireLog passes the wire layer's errors on to our logger; its other
// levels narrate every request and are dropped.
type wireLog struct{ log *slog.Logger }

func (l wireLog) Print(level gofakes3.LogLevel, v ...any) {
	if level == gofakes3.LogErr {
		l.log.Warn("s3 endpoint", "err", fmt.Sprint(v...))
	}
}
