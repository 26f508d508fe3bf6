package engine

import (
	"slices"
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
)

// broadcasts is a Broadcaster that keeps what it was told.
type broadcasts [][]string

func (b *broadcasts) Broadcast(queues []string) { *b = append(*b, slices.Clone(queues)) }

var _ Broadcaster = (*broadcasts)(nil)

// woken tells whether ch was closed.
func woken(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Ensure a queue's name reads back as the queue, whatever its fields hold,
// and that names of another form are refused.
func TestQueueKeyString(t *testing.T) {
	t.Parallel()
	for _, k := range []queueKey{
		{core.Scope{Account: "123456789012", Region: "us-east-1"}, custom},
		{core.Scope{Account: "a b", Region: "r%20\n"}, core.ActionTypeID{Category: "Build", Owner: "Custom", Provider: "x/y z", Version: ""}},
		builtinQueue,
	} {
		got, ok := parseQueueKey(k.String())
		if !ok || got != k {
			t.Fatalf("%q read back as %+v, %v; want %+v", k.String(), got, ok, k)
		}
	}
	for _, bad := range []string{"", "a b c d e", "a b c d e f g", "a b c d e %zz"} {
		if k, ok := parseQueueKey(bad); ok {
			t.Fatalf("%q read as %+v", bad, k)
		}
	}
}

// Ensure a broadcast queue wakes its pollers, and the embedded worker for
// an AWS-owned type, and that an unreadable name wakes nothing.
func TestWake(t *testing.T) {
	t.Parallel()
	e := New(nil, nil, nil)
	sc := core.Scope{Account: "123456789012", Region: "us-east-1"}
	k := queueKey{sc, custom}
	aws := queueKey{sc, core.ActionTypeID{Category: "Build", Owner: "AWS", Provider: "CodeBuild", Version: "1"}}
	pollers, builtin := e.jobs.watch(k), e.jobs.watch(builtinQueue)
	e.Wake("not a queue")
	if woken(pollers) || woken(builtin) {
		t.Fatal("an unreadable name woke a poller")
	}
	e.Wake(k.String())
	if !woken(pollers) || woken(builtin) {
		t.Fatal("a custom queue: want its pollers woken, and only them")
	}
	e.Wake(aws.String())
	if !woken(builtin) {
		t.Fatal("an AWS-owned queue did not wake the embedded worker")
	}
}

// Ensure WakeAll wakes the pollers of every queue.
func TestWakeAll(t *testing.T) {
	t.Parallel()
	e := New(nil, nil, nil)
	pollers, builtin := e.jobs.watch(queueKey{typ: custom}), e.jobs.watch(builtinQueue)
	e.WakeAll()
	if !woken(pollers) || !woken(builtin) {
		t.Fatal("WakeAll left a poller waiting")
	}
}

// Ensure a committed change broadcasts the queues it queued jobs on, and
// a change that queued none broadcasts nothing.
func TestFireBroadcasts(t *testing.T) {
	t.Parallel()
	e := New(nil, nil, nil)
	var got broadcasts
	e.Broadcaster = &got
	e.fire(&effects{})
	sc := core.Scope{Account: "123456789012", Region: "us-east-1"}
	fx := &effects{}
	fx.queue(sc, custom)
	e.fire(fx)
	if len(got) != 1 || !slices.Equal(got[0], []string{queueKey{sc, custom}.String()}) {
		t.Fatalf("broadcast %q, want the one queue once", got)
	}
}
