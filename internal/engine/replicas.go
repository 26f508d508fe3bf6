package engine

import (
	"net/url"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

// Broadcaster tells the other replicas of a shared database which job
// queues got jobs, so that their long-polling workers wake as this
// engine's do; Engine.Wake is the receiving end. Queues are named by
// strings only the engine reads.
//
// Broadcast is called after every commit that queued jobs, on the
// committing request's path: it must return at once, and must not keep
// the slice. A lost broadcast only delays the other replicas' pollers
// until their poll wait ends, or until a WakeAll.
type Broadcaster interface {
	Broadcast(queues []string)
}

// Wake wakes this engine's long-polling workers of queues another
// replica broadcast. A name it cannot read, from another release say, is
// skipped: the pollers of that queue find its jobs when their wait ends.
func (e *Engine) Wake(queues ...string) {
	for _, q := range queues {
		if k, ok := parseQueueKey(q); ok {
			e.notifyQueue(k)
		}
	}
}

// WakeAll wakes every long-polling worker of this engine to look for jobs
// again: for when broadcasts may have been lost, as while the connection
// that hears them was being replaced.
func (e *Engine) WakeAll() { e.jobs.notifyAll() }

// notifyQueue wakes the pollers of a queue that got jobs, and the embedded
// worker when the jobs are AWS-owned.
func (e *Engine) notifyQueue(k queueKey) {
	e.jobs.notify(k)
	if k.typ.Owner == builtinQueue.typ.Owner {
		e.jobs.notify(builtinQueue)
	}
}

// broadcast tells the other replicas, if any, of the queues a committed
// change queued jobs on.
func (e *Engine) broadcast(queued map[queueKey]bool) {
	if e.Broadcaster == nil || len(queued) == 0 {
		return
	}
	queues := make([]string, 0, len(queued))
	for k := range queued {
		queues = append(queues, k.String())
	}
	e.Broadcaster.Broadcast(queues)
}

// notifyAll wakes every watcher of every queue.
func (n *notifier) notifyAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for k, ch := range n.chans {
		close(ch)
		delete(n.chans, k)
	}
}

// String names a queue for other replicas: account, region and the
// action type's category, owner, provider and version, escaped and
// separated by spaces.
func (k queueKey) String() string {
	fields := []string{k.scope.Account, k.scope.Region, k.typ.Category, k.typ.Owner, k.typ.Provider, k.typ.Version}
	for i, f := range fields {
		fields[i] = url.PathEscape(f)
	}
	return strings.Join(fields, " ")
}

// parseQueueKey reads a queue's String.
func parseQueueKey(s string) (queueKey, bool) {
	fields := strings.Split(s, " ")
	if len(fields) != 6 {
		return queueKey{}, false
	}
	for i, f := range fields {
		var err error
		if fields[i], err = url.PathUnescape(f); err != nil {
			return queueKey{}, false
		}
	}
	return queueKey{
		scope: core.Scope{Account: fields[0], Region: fields[1]},
		typ:   core.ActionTypeID{Category: fields[2], Owner: fields[3], Provider: fields[4], Version: fields[5]},
	}, true
}
