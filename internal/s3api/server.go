package s3api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/sigv4"
)

// Location is one object a temporary credential may touch.
type Location struct{ Bucket, Key string }

// Grant is what a per-job temporary credential allows.
type Grant struct {
	// Credential holds the secret, the session token the requests must
	// carry, the account and the expiry.
	Credential sigv4.Credential
	// Read are the exact objects it may GetObject and HeadObject.
	Read []Location
	// Write are the exact objects it may PutObject, in one piece or by
	// multipart upload; it may read them back too.
	Write []Location
}

// JobCredentials resolves the per-job temporary credentials ("ASIA..."
// access keys) the engine mints.
//
// Grant returns ok=false for an access key it does not know, which then
// goes to the account verifier, and an error only when its store fails
// (the request answers InternalError). The server asks it about every
// signed request, so an unknown key should be cheap to turn down. It must
// allow concurrent calls.
type JobCredentials interface {
	Grant(ctx context.Context, accessKeyID string) (Grant, bool, error)
}

// Event is a committed change, for change detection of S3 sources.
type Event struct {
	Bucket, Key string
	// Object is the version written, or for a delete the delete marker
	// made or the version removed.
	Object  artifact.Object
	Deleted bool
}

// Server serves the S3 API over Store. Set its fields, then call Handler;
// they must not change afterwards.
type Server struct {
	Store artifact.Store
	// Accounts verifies account principals: the configured credentials, or
	// any well-formed signature in open mode (Credentials nil). When nil,
	// only job credentials are accepted.
	Accounts *sigv4.Verifier
	// Owners records the owner of each bucket: an account principal may
	// use only its own buckets and those nobody owns. When nil, every
	// account may use every bucket.
	Owners Owners
	// Jobs resolves per-job credentials; nil when there are none.
	Jobs JobCredentials
	// OnChange, when set, is called after each successful put, completed
	// upload, copy and delete, on the request's goroutine, so it should
	// return quickly.
	OnChange func(Event)
	// JobKeyPrefix marks the access keys Jobs mints: such a key that Jobs
	// no longer knows (its job ended) is refused, never taken for an
	// account's key.
	JobKeyPrefix string
	// Log receives internal errors; nil means slog.Default().
	Log *slog.Logger

	once    sync.Once
	handler http.Handler
	wire    http.Handler
	jobs    *sigv4.Verifier // checks job credentials against their grant
}

// Handler returns the handler of every S3 request: path-style, with the
// bucket as the first path segment.
func (s *Server) Handler() http.Handler {
	s.once.Do(s.init)
	return s.handler
}

func (s *Server) init() {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	s.jobs = &sigv4.Verifier{Credentials: grantCredentials{}}
	if s.Accounts != nil {
		s.jobs.Clock, s.jobs.MaxSkew = s.Accounts.Clock, s.Accounts.MaxSkew
	}
	b := &backend{store: s.Store, owners: s.Owners, onChange: s.OnChange, log: s.Log}
	s.wire = gofakes3.New(b,
		// Our Verifier checks the date against its own clock, so tests can
		// move it; the wire layer's check would use the real one.
		gofakes3.WithTimeSkewLimit(0),
		// It would count every X-Amz-* header, session tokens included;
		// the backend limits user metadata as S3 does.
		gofakes3.WithMetadataSizeLimit(0),
		gofakes3.WithLogger(wireLog{s.Log}),
	).Server()
	s.handler = http.HandlerFunc(s.serve)
}

// serve authenticates and authorizes r, puts its checked and decoded
// content in place of its body, and serves it: PutObject (put.go) and
// multipart uploads (upload.go) itself, everything else through the wire
// layer.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	st := &requestState{id: newRequestID()}
	rw := &responseWriter{ResponseWriter: w, r: r, st: st, log: s.Log}
	defer rw.finish()
	p, body, err := s.authenticate(r, st)
	if err != nil {
		rw.fail(err)
		return
	}
	op := classify(r)
	if op.kind == opUnsupported {
		rw.fail(errNotImplemented(op.subresource))
		return
	}
	if err := p.authorize(op); err != nil {
		rw.fail(err)
		return
	}
	if err := s.authorizeBuckets(r.Context(), p, op, r); err != nil {
		rw.fail(err)
		return
	}
	if p.grant == nil {
		st.account, st.region = p.account, p.region
	}
	if r.Method == http.MethodHead {
		st.versionID = r.URL.Query().Get("versionId")
	}
	prepareBody(r, body, st)
	if own := s.ownHandler(r, op); own != nil {
		if err := own(rw, r, op.loc, st); err != nil {
			rw.fail(err)
		}
		return
	}
	s.wire.ServeHTTP(rw, r.WithContext(withState(r.Context(), st)))
}

// ownHandler returns the handler of a request this package serves itself,
// or nil for the wire layer's. Multipart comes first, as the wire layer
// routes it before anything else.
func (s *Server) ownHandler(r *http.Request, op operation) func(http.ResponseWriter, *http.Request, Location, *requestState) error {
	switch {
	case isMultipart(r.URL.Query()):
		return s.multipart
	case op.kind == opPut:
		return s.putObject
	}
	return nil
}
