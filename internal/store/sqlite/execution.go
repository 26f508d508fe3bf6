package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

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
func scanDoc[T any](row interface{ Scan(...any) error }, setSeq func(*T, int64)) (*T, error) {
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
func listDocs[T any](rows *sql.Rows, err error, setSeq func(*T, int64)) ([]*T, error) {
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scanDoc(rows, setSeq)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func setExecutionSeq(e *core.Execution, seq int64) { e.Seq = seq }

// millisOrZero is millis with the zero time as 0, so that "deadline > 0"
// means a deadline is set (millis would store year 1 as a negative number).
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

// before turns a Seq bound into one a plain "seq < ?" can use an index
// range with: 0 (no bound) becomes the largest seq.
func before(seq int64) int64 {
	if seq <= 0 {
		return math.MaxInt64
	}
	return seq
}

// limit turns a non-positive limit into SQL's "no limit" (-1 in SQLite).
func limit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func (q queries) ExecutionCreate(ctx context.Context, e *core.Execution) error {
	doc, err := encodeDoc(e)
	if err != nil {
		return err
	}
	var seq int64
	err = q.queryRow(ctx, `INSERT INTO executions
		(id, account, region, pipeline, status, client_token, doc) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		e.ID, e.Scope.Account, e.Scope.Region, e.Pipeline, e.Status, e.ClientToken, doc).Scan(&seq)
	if err != nil {
		return interpretError(err)
	}
	e.Seq = seq
	return nil
}

func (q queries) ExecutionUpdate(ctx context.Context, e *core.Execution) error {
	doc, err := encodeDoc(e)
	if err != nil {
		return err
	}
	var seq int64
	err = q.queryRow(ctx, `UPDATE executions SET status = ?, client_token = ?, doc = ?
		WHERE id = ? AND account = ? AND region = ? AND pipeline = ? RETURNING seq`,
		e.Status, e.ClientToken, doc, e.ID, e.Scope.Account, e.Scope.Region, e.Pipeline).Scan(&seq)
	if err != nil {
		return interpretError(err)
	}
	e.Seq = seq
	return nil
}

func (q queries) ExecutionGet(ctx context.Context, scope core.Scope, pipeline, id string) (*core.Execution, error) {
	row := q.queryRow(ctx, `SELECT seq, doc FROM executions
		WHERE id = ? AND account = ? AND region = ? AND pipeline = ?`, id, scope.Account, scope.Region, pipeline)
	return scanDoc(row, setExecutionSeq)
}

func (q queries) ExecutionByToken(ctx context.Context, scope core.Scope, pipeline, token string) (*core.Execution, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	// client_token <> '' repeats the partial index's condition so SQLite uses it.
	row := q.queryRow(ctx, `SELECT seq, doc FROM executions
		WHERE account = ? AND region = ? AND pipeline = ? AND client_token = ? AND client_token <> ''`,
		scope.Account, scope.Region, pipeline, token)
	return scanDoc(row, setExecutionSeq)
}

func (q queries) ExecutionList(ctx context.Context, scope core.Scope, pipeline string, f store.ExecutionFilter) ([]*core.Execution, error) {
	rows, err := q.query(ctx, `SELECT e.seq, e.doc FROM executions e
		WHERE e.account = ? AND e.region = ? AND e.pipeline = ? AND e.seq < ?
		AND (? = '' OR EXISTS (SELECT 1 FROM stage_runs s
			WHERE s.execution_id = e.id AND s.stage = ? AND s.status = 'Succeeded'))
		ORDER BY e.seq DESC LIMIT ? + 0`,
		scope.Account, scope.Region, pipeline, before(f.Before), f.SucceededIn, f.SucceededIn, limit(f.Limit))
	return listDocs(rows, err, setExecutionSeq)
}

// activeStatus matches executions_active's condition word for word: SQLite
// uses a partial index only for queries that repeat its WHERE.
const activeStatus = `status IN ('InProgress', 'Stopping')`

func (q queries) ExecutionActive(ctx context.Context, scope core.Scope, pipeline string) ([]*core.Execution, error) {
	rows, err := q.query(ctx, `SELECT seq, doc FROM executions
		WHERE account = ? AND region = ? AND pipeline = ? AND `+activeStatus+` ORDER BY seq`,
		scope.Account, scope.Region, pipeline)
	return listDocs(rows, err, setExecutionSeq)
}

func (q queries) ActivePipelines(ctx context.Context) ([]core.PipelineRef, error) {
	rows, err := q.query(ctx, `SELECT DISTINCT account, region, pipeline FROM executions
		WHERE `+activeStatus+` ORDER BY account, region, pipeline`)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []core.PipelineRef
	for rows.Next() {
		var r core.PipelineRef
		if err := rows.Scan(&r.Scope.Account, &r.Scope.Region, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// NextDeadline reads the partial deadline and lease indexes; MIN of an
// empty set is NULL.
func (q queries) NextDeadline(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	err := q.queryRow(ctx, `SELECT MIN(d) FROM (
		SELECT MIN(deadline) AS d FROM action_runs WHERE status = 'InProgress' AND deadline > 0
		UNION ALL
		SELECT MIN(deadline) AS d FROM jobs WHERE status IN ('Dispatched', 'InProgress') AND deadline > 0
		UNION ALL
		SELECT MIN(lease_expires) AS d FROM jobs WHERE status IN ('Dispatched', 'InProgress') AND lease_expires > 0
	) AS deadlines`).Scan(&at)
	if err != nil {
		return time.Time{}, false, interpretError(err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return fromMillis(at.Int64), true, nil
}
