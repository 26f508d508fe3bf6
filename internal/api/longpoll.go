package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

// PollWaitHeader opts a PollForJobs or PollForThirdPartyJobs request into
// long-polling: the value is how many whole seconds (1 to MaxPollWait) the
// server may hold the request until a job is there. SDK clients add it
// with a request middleware; without it the poll answers at once, as AWS does.
const PollWaitHeader = "X-Sluice-Poll-Wait-Seconds"

// MaxPollWait is the longest a poll may wait, well inside the server's
// write timeout and the SDKs' default read timeouts.
const MaxPollWait = 20

// pollWait reads PollWaitHeader.
func pollWait(r *http.Request) (time.Duration, bool, error) {
	v := r.Header.Get(PollWaitHeader)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxPollWait {
		return 0, false, core.Errorf(core.Validation, "%s must be a whole number of seconds from 0 to %d", PollWaitHeader, MaxPollWait)
	}
	return time.Duration(n) * time.Second, true, nil
}
