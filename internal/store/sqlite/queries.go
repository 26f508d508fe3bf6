package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// dbtx is what queries need of a pool or a transaction.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements store.Tx over a pool or a transaction.
type queries struct {
	db dbtx
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
