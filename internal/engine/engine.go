// Package engine runs pipelines: executions, stages, actions, transitions,
// approvals, jobs and their timers. The database is the truth: every change
// is one transaction that locks the pipeline, loads its active executions,
// lets the pure planner (plan.go) move them, and writes what moved. Nothing
// in memory is authoritative, so a restart simply plans every pipeline with
// an active execution again.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Timeouts are the engine's clocks (documented in docs/state-machine.md).
type Timeouts struct {
	Approval time.Duration // a manual approval without timeoutInMinutes
	Custom   time.Duration // a custom or third-party action (J-2.10)
	Action   time.Duration // any other action (§11: "all other actions")
	Ack      time.Duration // a dispatched job not acknowledged is queued again (J-2.5)
	// Credentials is how long the artifact credentials of a hand-out last.
	Credentials time.Duration
	Sweep       time.Duration // the longest the sweeper sleeps without a deadline due
	// Lease is how long a built-in job claimed by this server's worker
	// stays its own without a renewal; the worker renews every Lease/3.
	Lease time.Duration
}

// DefaultTimeouts are CodePipeline's documented defaults.
var DefaultTimeouts = Timeouts{
	Approval:    7 * 24 * time.Hour,
	Custom:      24 * time.Hour,
	Action:      time.Hour,
	Ack:         time.Minute,
	Credentials: time.Hour,
	Sweep:       30 * time.Second,
	Lease:       30 * time.Second,
}

// Types finds action type definitions, built-in or custom, deleted custom
// types included (a running action keeps its type): def is nil when the
// type was never created, live is false when it was deleted since. The
// catalog implements it.
type Types interface {
	ActionTypeDefinition(ctx context.Context, r store.Reader, sc core.Scope, id core.ActionTypeID) (def *wire.ActionType, live bool, err error)
}

// BucketMaker creates a bucket unless it exists.
type BucketMaker interface {
	EnsureBucket(ctx context.Context, name string) error
}

// ThirdPartyClient is the partner credential third-party jobs are handed
// to: PollForThirdPartyJobs names ClientID, and every other third-party
// call must present Token (J-3.2).
type ThirdPartyClient struct {
	ClientID string
	Token    string
}

// Engine serves the execution and job operations and runs the timers.
type Engine struct {
	Store      store.Store
	Types      Types
	Clock      core.Clock
	Timeouts   Timeouts
	ThirdParty ThirdPartyClient
	// Buckets, when set, creates the artifact store buckets of pipelines.
	Buckets BucketMaker
	Log     *slog.Logger
	// NewID makes execution, action run, job and token ids.
	NewID func() string
	// Instance names this server among those sharing the store: the
	// owner of the leases its worker's claims take (lease.go).
	Instance string
	// Broadcaster, when set, tells other replicas of queued jobs (replicas.go).
	Broadcaster Broadcaster

	jobs *notifier     // wakes long-polling workers when jobs are queued
	wake chan struct{} // wakes the sweeper when a deadline comes before its plan
	// planned is when the sweeper next wakes by itself, in unix ms.
	planned atomic.Int64
	quit    chan struct{} // closed by Release: long-polls answer at once
	once    sync.Once
}

// Release ends every long-poll in flight and makes later ones answer at
// once, so a shutting-down server is not held by waiting workers.
func (e *Engine) Release() {
	e.once.Do(func() { close(e.quit) })
}

// New returns an engine with CodePipeline's default timeouts.
func New(st store.Store, types Types, log *slog.Logger) *Engine {
	e := &Engine{
		Store: st, Types: types, Clock: core.SystemClock{}, Timeouts: DefaultTimeouts,
		Log: log, NewID: uuid.NewString, Instance: uuid.NewString(),
		jobs: newNotifier(), wake: make(chan struct{}, 1), quit: make(chan struct{}),
	}
	e.planned.Store(math.MaxInt64) // not planned yet: every deadline wakes the sweeper
	return e
}

// effects are what a committed transaction must tell the rest of the
// process: which job queues got work, and the earliest deadline it set.
type effects struct {
	queued   map[queueKey]bool
	earliest time.Time
}

// due notes a deadline the change set.
func (fx *effects) due(t time.Time) {
	if !t.IsZero() && (fx.earliest.IsZero() || t.Before(fx.earliest)) {
		fx.earliest = t
	}
}

func (fx *effects) queue(sc core.Scope, t core.ActionTypeID) {
	if fx.queued == nil {
		fx.queued = map[queueKey]bool{}
	}
	fx.queued[queueKey{sc, t}] = true
}

// inTx runs fn in one transaction and, once it committed, wakes whoever
// waits on what it changed. fn may run more than once (store.Store.InTx),
// so the effects start empty each time.
func (e *Engine) inTx(ctx context.Context, fn func(tx store.Tx, fx *effects) error) error {
	var fx *effects
	err := e.Store.InTx(ctx, func(tx store.Tx) error {
		fx = &effects{}
		return fn(tx, fx)
	})
	if err != nil {
		return err
	}
	e.fire(fx)
	return nil
}

// fire wakes the pollers and the sweeper a committed change concerns.
func (e *Engine) fire(fx *effects) {
	for k := range fx.queued {
		e.notifyQueue(k)
	}
	e.broadcast(fx.queued)
	// The sweeper sleeps until its planned wake-up: only a deadline
	// before that is news to it.
	if !fx.earliest.IsZero() && fx.earliest.UnixMilli() < e.planned.Load() {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

func (e *Engine) now() time.Time { return e.Clock.Now().UTC().Truncate(time.Millisecond) }

// pipeline reads a version of a pipeline with its declaration
// (0 for the latest), or PipelineNotFoundException.
func pipeline(ctx context.Context, r store.Reader, sc core.Scope, name string, version int) (*core.Pipeline, *wire.PipelineDeclaration, error) {
	p, err := r.PipelineGet(ctx, sc, name, version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, core.Errorf(core.PipelineNotFound, "Account '%s' does not have a pipeline with name '%s'", sc.Account, name)
	}
	if err != nil {
		return nil, nil, err
	}
	d, err := decls.decode(p.Declaration)
	if err != nil {
		return nil, nil, fmt.Errorf("decode pipeline %s: %w", name, err)
	}
	return p, d, nil
}

// decls keeps decoded pipeline declarations: every job result plans with
// one, and decoding it was a tenth of the work. Stored versions never
// change, and the key is the stored document itself, so a hit is always
// the same declaration. Callers must treat the result as read-only.
var decls = &declCache{m: map[string]*wire.PipelineDeclaration{}}

type declCache struct {
	mu sync.Mutex
	m  map[string]*wire.PipelineDeclaration
}

// declCacheSize bounds the cache; it starts over when full.
const declCacheSize = 256

func (c *declCache) decode(raw []byte) (*wire.PipelineDeclaration, error) {
	c.mu.Lock()
	d, ok := c.m[string(raw)]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	d = &wire.PipelineDeclaration{}
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= declCacheSize {
		clear(c.m)
	}
	c.m[string(raw)] = d
	c.mu.Unlock()
	return d, nil
}

// onPipeline runs fn in one transaction on the caller's pipeline, locked
// and read at its latest version: the frame of every operation that
// changes what runs.
func (e *Engine) onPipeline(ctx context.Context, name string,
	fn func(tx store.Tx, fx *effects, sc core.Scope, p *core.Pipeline, d *wire.PipelineDeclaration) error) error {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return err
	}
	return e.inTx(ctx, func(tx store.Tx, fx *effects) error {
		if err := tx.PipelineLock(ctx, sc, name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		p, d, err := pipeline(ctx, tx, sc, name, 0)
		if err != nil {
			return err
		}
		return fn(tx, fx, sc, p, d)
	})
}

// stageIndex finds a stage of a declaration, or StageNotFoundException.
func stageIndex(d *wire.PipelineDeclaration, name string) (int, error) {
	for i, s := range d.Stages {
		if wire.Value(s.Name) == name {
			return i, nil
		}
	}
	return -1, core.Errorf(core.StageNotFound, "Stage '%s' does not exist in pipeline '%s'", name, wire.Value(d.Name))
}

// findAction finds an action of a stage, or ActionNotFoundException.
func findAction(d *wire.PipelineDeclaration, stage int, name string) (*wire.ActionDeclaration, error) {
	for i, a := range d.Stages[stage].Actions {
		if wire.Value(a.Name) == name {
			return &d.Stages[stage].Actions[i], nil
		}
	}
	return nil, core.Errorf(core.ActionNotFound, "Action '%s' does not exist in stage '%s'", name, wire.Value(d.Stages[stage].Name))
}

// execution reads an execution, or PipelineExecutionNotFoundException.
func execution(ctx context.Context, r store.Reader, sc core.Scope, pipeline, id string) (*core.Execution, error) {
	ex, err := r.ExecutionGet(ctx, sc, pipeline, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, core.Errorf(core.PipelineExecutionNotFound, "Pipeline execution '%s' does not exist in pipeline '%s'", id, pipeline)
	}
	return ex, err
}
