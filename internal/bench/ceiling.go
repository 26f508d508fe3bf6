package bench

import (
	"encoding/json"
	"net"
	"net/http"
)

// Ceiling serves a trivial JSON handler: it decodes the request body and
// answers a small JSON object, with no authentication and no storage. Its
// throughput is the most any JSON-over-HTTP handler can reach here.
func Ceiling() (url string, closeFn func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "in": in})
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), srv.Close, nil
}
