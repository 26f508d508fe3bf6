package engine

import (
	"sync"

	"github.com/sluice-cd/sluice/internal/core"
)

// queueKey names one job queue: an action type in a scope.
type queueKey struct {
	scope core.Scope
	typ   core.ActionTypeID
}

// notifier wakes the pollers waiting on a queue. A waiter takes the
// queue's channel before it looks for jobs, so a job queued between its
// look and its wait still wakes it: the channel was closed.
type notifier struct {
	mu    sync.Mutex
	chans map[queueKey]chan struct{}
}

func newNotifier() *notifier { return &notifier{chans: map[queueKey]chan struct{}{}} }

// watch returns a channel closed at the next notify of k.
func (n *notifier) watch(k queueKey) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch, ok := n.chans[k]
	if !ok {
		ch = make(chan struct{})
		n.chans[k] = ch
	}
	return ch
}

// notify wakes every watcher of k.
func (n *notifier) notify(k queueKey) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ch, ok := n.chans[k]; ok {
		close(ch)
		delete(n.chans, k)
	}
}
