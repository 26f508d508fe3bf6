package main

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sluice-cd/sluice/internal/store/postgres"
)

// replicaChannel is the notification channel on which the replicas of one
// database tell each other of the job queues they queued jobs on.
const replicaChannel = "sluice_jobs"

// notifyTimeout bounds one notification to the other replicas.
const notifyTimeout = 10 * time.Second

// joinReplicas connects the engine to the other replicas of its database:
// it tells them of the jobs it queues, and wakes its own long-polling
// workers for the jobs they queue, so that a worker polling one replica
// gets a job queued through another at once, not when its poll wait ends.
// Only a PostgreSQL database has other replicas; with SQLite there is
// nothing to do. It must run before the engine does, which reads the
// broadcaster without a lock.
func (m *Main) joinReplicas(ctx context.Context, log *slog.Logger) {
	pg, ok := m.store.(*postgres.Store)
	if !ok {
		return
	}
	b := &broadcaster{store: pg, log: log, kick: make(chan struct{}, 1), pending: map[string]bool{}}
	m.engine.Broadcaster = b
	m.goRun(func() { b.run(ctx) })
	m.goRun(func() {
		err := pg.Listen(ctx, replicaChannel, postgres.Listener{
			OnNotify: func(queue string) { m.engine.Wake(queue) },
			// What was broadcast while no connection listened is lost:
			// every poller looks again.
			OnListen: m.engine.WakeAll,
			OnError:  func(err error) { log.Warn("listening to other replicas", "err", err) },
		})
		if err != nil {
			log.Error("listening to other replicas", "err", err)
		}
	})
}

// broadcaster sends the engine's broadcasts from a goroutine of its own,
// so that no committing request waits for the database: the queues named
// while a notification is in flight go together in the next one.
type broadcaster struct {
	store *postgres.Store
	log   *slog.Logger
	kick  chan struct{} // holds a token while queues are pending

	mu      sync.Mutex
	pending map[string]bool
}

// Broadcast notes the queues and returns at once.
func (b *broadcaster) Broadcast(queues []string) {
	b.mu.Lock()
	for _, q := range queues {
		b.pending[q] = true
	}
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// run sends what is pending until ctx ends. A notification that fails is
// not sent again: the other replicas' pollers find its jobs when their
// poll wait ends.
func (b *broadcaster) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		}
		b.mu.Lock()
		queues := slices.Collect(maps.Keys(b.pending))
		clear(b.pending)
		b.mu.Unlock()
		sending, cancel := context.WithTimeout(ctx, notifyTimeout)
		err := b.store.Notify(sending, replicaChannel, queues...)
		cancel()
		if err != nil && ctx.Err() == nil {
			b.log.Warn("telling other replicas of queued jobs", "err", err, "queues", len(queues))
		}
	}
}
