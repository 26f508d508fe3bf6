package worker

import (
	"errors"
	"io"
	"net/http"
	"regexp"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/core"
)

// buildIDPattern is what a build id of this server looks like.
var buildIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,255}:[0-9a-f-]{36}$`)

// LogHandler serves GET /logs/{id}: the log of a build or Commands action,
// the page their externalExecutionUrl links to.
func LogHandler(st artifact.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !buildIDPattern.MatchString(id) {
			http.Error(w, "no such build", http.StatusNotFound)
			return
		}
		log := core.BuildLog(id)
		_, body, err := st.Get(r.Context(), log.Bucket, log.Key, "", nil)
		if errors.Is(err, artifact.ErrNotFound) || errors.Is(err, artifact.ErrBucketNotFound) {
			http.Error(w, "no log for build "+id+" (yet)", http.StatusNotFound)
			return
		} else if err != nil {
			http.Error(w, "could not read the log", http.StatusInternalServerError)
			return
		}
		defer body.Close()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.Copy(w, body)
	})
}
