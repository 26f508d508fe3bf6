package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Notifications let the replicas sharing a database tell each other of
// what they committed (LISTEN/NOTIFY): the store only carries the
// payloads, the caller gives them meaning. A message on the wire is the
// sending store's origin, then one payload a line, so one notification
// carries as many payloads as fit.

// maxMessage is the longest notification PostgreSQL accepts: payloads must
// be shorter than 8000 bytes.
const maxMessage = 7999

// maxChannel is the longest channel name: identifiers past 63 bytes are
// truncated by LISTEN but refused by pg_notify, so the two would differ.
const maxChannel = 63

// Listen's connection: how long it waits in silence before it checks
// that the server still answers, and the bounds of the pause before it
// connects again after losing its connection.
const (
	listenIdle  = 30 * time.Second
	pingTimeout = 10 * time.Second
	minRelisten = 100 * time.Millisecond
	maxRelisten = 10 * time.Second
)

// newOrigin names a store in the messages it sends, so that its own
// listener can skip them.
func newOrigin() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// currentSchema is the schema the store's tables are in. Channels belong to
// the whole database, so the store names its channels after it: a
// deployment in another schema of the same database hears nothing of this one.
func currentSchema(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", fmt.Errorf("open postgres: current schema: %w", err)
	}
	return schema, nil
}

// channelName is the database's name of the store's channel name: name
// and schema, or name and a digest of the schema when both do not fit.
func (s *Store) channelName(name string) (string, error) {
	ch := name + "." + s.schema
	if len(ch) > maxChannel {
		sum := sha256.Sum256([]byte(s.schema))
		ch = name + "." + hex.EncodeToString(sum[:8])
	}
	if len(ch) > maxChannel {
		return "", fmt.Errorf("channel name %q is too long", name)
	}
	return ch, nil
}

// Notify sends payloads to the listeners of channel in other stores of
// the same schema (Listen), in as few notifications as they fit in, with
// one statement. A payload must not hold a newline, and must leave room
// for the origin in a notification (7,982 bytes at most). Listeners get
// each payload once, in no promised order; a listener whose connection is
// lost at the time does not get them at all.
func (s *Store) Notify(ctx context.Context, channel string, payloads ...string) error {
	ch, err := s.channelName(channel)
	if err != nil {
		return err
	}
	msgs, err := pack(s.origin, payloads)
	if err != nil || len(msgs) == 0 {
		return err
	}
	if _, err := s.pool.Exec(ctx, `SELECT pg_notify($1, m) FROM unnest($2::text[]) AS m`, ch, msgs); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// pack puts payloads into messages of at most maxMessage bytes, each
// headed by the origin's line.
func pack(origin string, payloads []string) ([]string, error) {
	var msgs []string
	var b strings.Builder
	for _, p := range payloads {
		if strings.Contains(p, "\n") {
			return nil, fmt.Errorf("notify: payload %.40q holds a newline", p)
		}
		if len(origin)+1+len(p) > maxMessage {
			return nil, fmt.Errorf("notify: payload of %d bytes is too long", len(p))
		}
		if b.Len() > 0 && b.Len()+1+len(p) > maxMessage {
			msgs = append(msgs, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(origin)
		}
		b.WriteByte('\n')
		b.WriteString(p)
	}
	if b.Len() > 0 {
		msgs = append(msgs, b.String())
	}
	return msgs, nil
}

// Listener is told what Listen hears.
type Listener struct {
	// OnNotify is called with each payload another store notified on the
	// channel, one call at a time. It must be set.
	OnNotify func(payload string)
	// OnListen, if set, is called each time listening starts: at first,
	// and again once a lost connection was replaced. What was notified
	// in between is lost, so whatever it would have said is worth a look.
	OnListen func()
	// OnError, if set, is told why a connection was lost or could not be
	// made, before the pause that precedes the next attempt.
	OnError func(error)
}

// Listen hears channel until ctx ends, and tells l of what other stores
// notify on it: this store's own notifications are skipped, its process
// knows of them already. It holds a connection of its own, outside the
// pool, since a listening session must stay with one connection, and
// connects again, after a pause that grows while attempts fail, when it
// loses that connection. It returns an error only for a channel name too
// long to be one.
func (s *Store) Listen(ctx context.Context, channel string, l Listener) error {
	ch, err := s.channelName(channel)
	if err != nil {
		return err
	}
	pause := minRelisten
	for {
		listened, err := s.listen(ctx, ch, l)
		if ctx.Err() != nil {
			return nil
		}
		if listened {
			pause = minRelisten
		}
		if l.OnError != nil {
			l.OnError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, maxRelisten)
	}
}

// listen connects, listens on ch and delivers what it hears until the
// connection fails or ctx ends. listened tells whether it got as far as
// listening.
func (s *Store) listen(ctx context.Context, ch string, l Listener) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return false, fmt.Errorf("listen: connect: %w", err)
	}
	defer func() {
		closing, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(closing)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen %s: %w", ch, err)
	}
	if l.OnListen != nil {
		l.OnListen()
	}
	for {
		n, err := wait(ctx, conn)
		if err != nil {
			return true, fmt.Errorf("listen %s: %w", ch, err)
		}
		if n != nil {
			s.deliver(n.Payload, l.OnNotify)
		}
	}
}

// wait waits for the next notification. After listenIdle of silence it
// answers nil once the server answered a ping: a server gone without
// closing the connection would otherwise leave the wait without end.
func wait(ctx context.Context, conn *pgx.Conn) (*pgconn.Notification, error) {
	idle, cancel := context.WithTimeout(ctx, listenIdle)
	n, err := conn.WaitForNotification(idle)
	cancel()
	if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
		return n, err
	}
	ping, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return nil, conn.Ping(ping)
}

// deliver hands the payloads of a message to fn, unless this store sent
// it. A message not in Notify's form is skipped.
func (s *Store) deliver(msg string, fn func(string)) {
	origin, payloads, ok := strings.Cut(msg, "\n")
	if !ok || origin == s.origin {
		return
	}
	for p := range strings.SplitSeq(payloads, "\n") {
		fn(p)
	}
}
