package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-cd/sluice/internal/store"
)

// executor is what the pool and a transaction have in common.
type executor interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// queries implements store.Tx over the pool, or over a transaction when db
// is one. The statements are the SQLite driver's, with PostgreSQL's
// numbered parameters; an argument a statement names twice is passed once.
type queries struct {
	db executor
}

// Times are stored as Unix milliseconds, as the SQLite driver stores them.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// millisOrZero is millis with the zero time as 0, so that "deadline > 0"
// means a deadline is set (millis would store year 1 as a negative number).
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

// before turns a Seq bound into one a plain "seq < $n" can use an index
// range with: 0 (no bound) becomes the largest seq.
func before(seq int64) int64 {
	if seq <= 0 {
		return math.MaxInt64
	}
	return seq
}

// limit turns a non-positive limit into SQL's "no limit": LIMIT NULL.
func limit(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

// affectedOne maps "no row changed" to the given error.
func affectedOne(tag pgconn.CommandTag, err error, none error) error {
	if err != nil {
		return interpretError(err)
	}
	if tag.RowsAffected() == 0 {
		return none
	}
	return nil
}

// The engine's records are stored whole as JSON in a doc column; the other
// columns only serve queries. Seq lives in its own column, assigned by the
// database, which is authoritative over the copy in doc.

func encodeDoc(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", v, err)
	}
	return string(b), nil
}

// scanDoc decodes a row of (seq, doc), or of (doc) when setSeq is nil.
func scanDoc[T any](row pgx.Row, setSeq func(*T, int64)) (*T, error) {
	var seq int64
	var doc []byte
	var err error
	if setSeq != nil {
		err = row.Scan(&seq, &doc)
	} else {
		err = row.Scan(&doc)
	}
	if err != nil {
		return nil, interpretError(err)
	}
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("decode %T: %w", v, err)
	}
	if setSeq != nil {
		setSeq(v, seq)
	}
	return v, nil
}

// listDocs decodes every row of a query as scanDoc does.
func listDocs[T any](rows pgx.Rows, err error, setSeq func(*T, int64)) ([]*T, error) {
	return listRows(rows, err, func(row pgx.Row) (*T, error) { return scanDoc(row, setSeq) })
}

// listRows scans every row of a query with scan.
func listRows[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, interpretError(rows.Err())
}

var _ store.Tx = queries{}
