package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
)

// testChannel is the channel the notification tests use.
const testChannel = "test"

// hearing is a Listen running for a test: what it heard, each start of
// listening and each lost connection, on channels.
type hearing struct {
	heard   chan string
	listens chan struct{}
	errs    chan error
}

// mustListen runs s.Listen on testChannel until the test ends, and waits
// until it listens.
func mustListen(t *testing.T, s *Store) *hearing {
	t.Helper()
	h := &hearing{heard: make(chan string, 1000), listens: make(chan struct{}, 10), errs: make(chan error, 10)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- s.Listen(ctx, testChannel, Listener{
			OnNotify: func(p string) { h.heard <- p },
			OnListen: func() { h.listens <- struct{}{} },
			OnError:  func(err error) { h.errs <- err },
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listen: %v", err)
		}
	})
	h.listening(t)
	return h
}

// listening waits for the listener to start listening.
func (h *hearing) listening(t *testing.T) {
	t.Helper()
	select {
	case <-h.listens:
	case <-time.After(10 * time.Second):
		t.Fatal("not listening within 10 s")
	}
}

// hear waits for n payloads and returns them sorted.
func (h *hearing) hear(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	for range n {
		select {
		case p := <-h.heard:
			got = append(got, p)
		case <-time.After(10 * time.Second):
			t.Fatalf("heard %d payloads within 10 s, want %d", len(got), n)
		}
	}
	slices.Sort(got)
	return got
}

// mustOpenDSN opens a store on an existing schema, closed when the test ends.
func mustOpenDSN(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Ensure a listener hears what another store of its schema notified, and
// skips what its own store did.
func TestNotifyListen(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	h := mustListen(t, a)
	ctx := context.Background()
	if err := a.Notify(ctx, testChannel, "own"); err != nil {
		t.Fatal(err)
	}
	if err := b.Notify(ctx, testChannel, "first", "second"); err != nil {
		t.Fatal(err)
	}
	// The own notification committed first: had it been delivered, it
	// would be among the first two.
	if got, want := h.hear(t, 2), []string{"first", "second"}; !slices.Equal(got, want) {
		t.Fatalf("heard %q, want %q", got, want)
	}
}

// Ensure payloads past one notification's limit travel in several, and
// all arrive.
func TestNotifyBatches(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	h := mustListen(t, a)
	var sent []string
	for i := range 500 {
		sent = append(sent, fmt.Sprintf("%03d-%s", i, strings.Repeat("x", 96)))
	}
	if msgs, _ := pack(b.origin, sent); len(msgs) < 2 {
		t.Fatalf("%d notifications, want several", len(msgs))
	}
	if err := b.Notify(context.Background(), testChannel, sent...); err != nil {
		t.Fatal(err)
	}
	if got := h.hear(t, len(sent)); !slices.Equal(got, sent) {
		t.Fatalf("heard %d payloads, not the %d sent", len(got), len(sent))
	}
}

// Ensure pack fills notifications up to the limit, and refuses payloads
// that cannot travel.
func TestPack(t *testing.T) {
	t.Parallel()
	origin := newOrigin()
	room := maxMessage - len(origin) - 1
	msgs, err := pack(origin, []string{strings.Repeat("a", room), "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || len(msgs[0]) != maxMessage || msgs[1] != origin+"\nb\nc" {
		t.Fatalf("packed into %d notifications of %d bytes; want the full one, then b and c", len(msgs), len(msgs[0]))
	}
	if _, err := pack(origin, []string{strings.Repeat("a", room+1)}); err == nil {
		t.Fatal("a payload too long was packed")
	}
	if _, err := pack(origin, []string{"a\nb"}); err == nil {
		t.Fatal("a payload with a newline was packed")
	}
	if msgs, err := pack(origin, nil); err != nil || msgs != nil {
		t.Fatalf("no payloads packed into %q, %v", msgs, err)
	}
}

// Ensure a listener whose connection is killed connects again, says so,
// and hears what is notified afterwards.
func TestListenReconnects(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	h := mustListen(t, a)
	ctx := context.Background()
	ch, err := a.channelName(testChannel)
	if err != nil {
		t.Fatal(err)
	}
	var killed int
	err = b.pool.QueryRow(ctx, `SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid))
		FROM pg_stat_activity WHERE query = $1`, `LISTEN "`+ch+`"`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("killed %d listening connections, %v; want 1", killed, err)
	}
	select {
	case err := <-h.errs:
		t.Logf("lost: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the lost connection was not reported within 10 s")
	}
	h.listening(t)
	if err := b.Notify(ctx, testChannel, "after"); err != nil {
		t.Fatal(err)
	}
	if got := h.hear(t, 1); got[0] != "after" {
		t.Fatalf("heard %q, want after", got)
	}
}

// Ensure a listener hears nothing of another schema of the same database.
func TestListenSchemas(t *testing.T) {
	t.Parallel()
	one, other := pgtest.Schema(t), pgtest.Schema(t)
	a, b := mustOpenDSN(t, other), mustOpenDSN(t, other)
	h := mustListen(t, a)
	ctx := context.Background()
	if err := mustOpenDSN(t, one).Notify(ctx, testChannel, "elsewhere"); err != nil {
		t.Fatal(err)
	}
	if err := b.Notify(ctx, testChannel, "here"); err != nil {
		t.Fatal(err)
	}
	// Notifications arrive in commit order: the other schema's would
	// have come first.
	if got := h.hear(t, 1); got[0] != "here" {
		t.Fatalf("heard %q, want here", got)
	}
}

// Ensure channel names fit PostgreSQL's identifiers, whatever the schema.
func TestChannelName(t *testing.T) {
	t.Parallel()
	s := &Store{schema: "sluice"}
	if ch, err := s.channelName("jobs"); err != nil || ch != "jobs.sluice" {
		t.Fatalf("channel %q, %v; want jobs.sluice", ch, err)
	}
	s.schema = strings.Repeat("s", 63)
	if ch, err := s.channelName("jobs"); err != nil || len(ch) > maxChannel || !strings.HasPrefix(ch, "jobs.") {
		t.Fatalf("channel %q, %v; want jobs. and a digest", ch, err)
	}
	if _, err := s.channelName(strings.Repeat("c", 60)); err == nil {
		t.Fatal("a channel name too long was accepted")
	}
}
