package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is the HTTP server on Sluice's one port.
type Server struct {
	ln     net.Listener
	server *http.Server
	done   chan error

	// fresh holds connections that never sent a request. Shutdown waits
	// five seconds before it counts them idle; Close drops them at once,
	// since nothing is in flight on them.
	mu      sync.Mutex
	fresh   map[net.Conn]bool
	closing bool
}

// track follows connections from accept to their first request.
func (s *Server) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case state == http.StateNew && s.closing:
		c.Close()
	case state == http.StateNew:
		s.fresh[c] = true
	default:
		delete(s.fresh, c)
	}
}

// Serve starts serving h on ln in the background. The caller binds ln
// first, so everything built from its address (the public URL) is ready
// before the first request can arrive, and /healthz answers at once.
func Serve(ln net.Listener, h http.Handler, log *slog.Logger) *Server {
	s := &Server{
		ln: ln,
		server: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		done:  make(chan error, 1),
		fresh: map[net.Conn]bool{},
	}
	s.server.ConnState = s.track
	go func() { s.done <- s.server.Serve(ln) }()
	return s
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the base URL of the server.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops accepting requests and waits for those in flight until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for c := range s.fresh {
		c.Close()
	}
	s.mu.Unlock()
	err := s.server.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return errors.Join(err, serr)
	}
	return err
}
