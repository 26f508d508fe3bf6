package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// queries implements store.Tx over the reader pool, or over a transaction
// when tx is set. Reads on the pool use statements prepared once and reused:
// parsing SQL was a third of the cost of a read before. A transaction reuses
// the statements prepared on the writer's connection (stmts is then the
// writer's cache). It cannot prepare one itself: the writer has one
// connection, which the transaction holds, so a statement it lacks runs
// unprepared and is named in missed, for Store.InTx to prepare once the
// transaction ended.
//
// Every "LIMIT ? + 0" is a plain "LIMIT ?" that SQLite's planner cannot
// read. It reads the value bound to a bare LIMIT parameter, and so marks
// the statement to be compiled again each time that parameter is bound:
// on every execution, prepared or not (some 30 µs a time with this driver,
// most of what a job claim or a list page cost). The indexes fix those
// plans whatever the limit.
type queries struct {
	pool   *sql.DB
	tx     *sql.Tx
	stmts  *stmtCache
	missed *[]string
}

// stmtCache holds the prepared statements of one pool.
type stmtCache struct {
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newStmtCache() *stmtCache { return &stmtCache{stmts: map[string]*sql.Stmt{}} }

// prepared returns the pool's statement for query, preparing it on first use.
func (q queries) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	c := q.stmts
	c.mu.RLock()
	s, ok := c.stmts[query]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		defer c.mu.Unlock()
		if s, ok = c.stmts[query]; !ok {
			var err error
			if s, err = q.pool.PrepareContext(ctx, query); err != nil {
				return nil, interpretError(err)
			}
			c.stmts[query] = s
		}
	}
	return s, nil
}

// get returns the cached statement for query, or nil.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// add caches s for query unless a statement is cached for it already.
func (c *stmtCache) add(query string, s *sql.Stmt) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.stmts[query]; ok {
		return false
	}
	c.stmts[query] = s
	return true
}

// txStmt returns the writer's statement for query bound to the
// transaction, or nil (noting the miss) when the writer has none yet.
// database/sql reuses the writer connection's prepared statement for it.
func (q queries) txStmt(ctx context.Context, query string) *sql.Stmt {
	if q.stmts == nil {
		return nil
	}
	if s := q.stmts.get(query); s != nil {
		return q.tx.StmtContext(ctx, s)
	}
	if q.missed != nil {
		*q.missed = append(*q.missed, query)
	}
	return nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}

func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if q.tx != nil {
		if s := q.txStmt(ctx, query); s != nil {
			return s.ExecContext(ctx, args...)
		}
		return q.tx.ExecContext(ctx, query, args...)
	}
	s, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (q queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.tx != nil {
		if s := q.txStmt(ctx, query); s != nil {
			return s.QueryContext(ctx, args...)
		}
		return q.tx.QueryContext(ctx, query, args...)
	}
	s, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (q queries) queryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	if q.tx != nil {
		if s := q.txStmt(ctx, query); s != nil {
			return s.QueryRowContext(ctx, args...)
		}
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	s, err := q.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

// Times are stored as Unix milliseconds: portable across drivers and exact
// for the epoch-second-with-milliseconds timestamps of the wire.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// affectedOne maps "no row changed" to the given error.
func affectedOne(res sql.Result, err error, none error) error {
	if err != nil {
		return interpretError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}
