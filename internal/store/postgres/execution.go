package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func setExecutionSeq(e *core.Execution, seq int64) { e.Seq = seq }

func (q queries) ExecutionCreate(ctx context.Context, e *core.Execution) error {
	doc, err := encodeDoc(e)
	if err != nil {
		return err
	}
	err = q.db.QueryRow(ctx, `INSERT INTO executions
		(id, account, region, pipeline, status, client_token, doc) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
		e.ID, e.Scope.Account, e.Scope.Region, e.Pipeline, e.Status, e.ClientToken, doc).Scan(&e.Seq)
	return interpretError(err)
}

func (q queries) ExecutionUpdate(ctx context.Context, e *core.Execution) error {
	doc, err := encodeDoc(e)
	if err != nil {
		return err
	}
	err = q.db.QueryRow(ctx, `UPDATE executions SET status = $1, client_token = $2, doc = $3
		WHERE id = $4 AND account = $5 AND region = $6 AND pipeline = $7 RETURNING seq`,
		e.Status, e.ClientToken, doc, e.ID, e.Scope.Account, e.Scope.Region, e.Pipeline).Scan(&e.Seq)
	return interpretError(err)
}

func (q queries) ExecutionGet(ctx context.Context, scope core.Scope, pipeline, id string) (*core.Execution, error) {
	row := q.db.QueryRow(ctx, `SELECT seq, doc FROM executions
		WHERE id = $1 AND account = $2 AND region = $3 AND pipeline = $4`, id, scope.Account, scope.Region, pipeline)
	return scanDoc(row, setExecutionSeq)
}

func (q queries) ExecutionByToken(ctx context.Context, scope core.Scope, pipeline, token string) (*core.Execution, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	// client_token <> '' repeats the partial index's condition: the planner
	// cannot prove it from a parameter.
	row := q.db.QueryRow(ctx, `SELECT seq, doc FROM executions
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND client_token = $4 AND client_token <> ''`,
		scope.Account, scope.Region, pipeline, token)
	return scanDoc(row, setExecutionSeq)
}

// ExecutionList has one statement per shape of filter, as ActionRunList.
func (q queries) ExecutionList(ctx context.Context, scope core.Scope, pipeline string, f store.ExecutionFilter) ([]*core.Execution, error) {
	if f.SucceededIn != "" {
		rows, err := q.db.Query(ctx, `SELECT e.seq, e.doc FROM executions e
			WHERE e.account = $1 AND e.region = $2 AND e.pipeline = $3 AND e.seq < $4
			AND EXISTS (SELECT 1 FROM stage_runs s
				WHERE s.execution_id = e.id AND s.stage = $5 AND s.status = 'Succeeded')
			ORDER BY e.seq DESC LIMIT $6`,
			scope.Account, scope.Region, pipeline, before(f.Before), f.SucceededIn, limit(f.Limit))
		return listDocs(rows, err, setExecutionSeq)
	}
	rows, err := q.db.Query(ctx, `SELECT seq, doc FROM executions
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND seq < $4 ORDER BY seq DESC LIMIT $5`,
		scope.Account, scope.Region, pipeline, before(f.Before), limit(f.Limit))
	return listDocs(rows, err, setExecutionSeq)
}

// activeStatus matches executions_active's condition word for word, so
// the planner sees at once that the partial index covers the query.
const activeStatus = `status IN ('InProgress', 'Stopping')`

func (q queries) ExecutionActive(ctx context.Context, scope core.Scope, pipeline string) ([]*core.Execution, error) {
	rows, err := q.db.Query(ctx, `SELECT seq, doc FROM executions
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND `+activeStatus+` ORDER BY seq`,
		scope.Account, scope.Region, pipeline)
	return listDocs(rows, err, setExecutionSeq)
}

func (q queries) ActivePipelines(ctx context.Context) ([]core.PipelineRef, error) {
	rows, err := q.db.Query(ctx, `SELECT DISTINCT account, region, pipeline FROM executions
		WHERE `+activeStatus+` ORDER BY account, region, pipeline`)
	return listRows(rows, err, func(row pgx.Row) (core.PipelineRef, error) {
		var r core.PipelineRef
		err := row.Scan(&r.Scope.Account, &r.Scope.Region, &r.Name)
		return r, err
	})
}

// NextDeadline reads the partial deadline and lease indexes; MIN of an
// empty set is NULL.
func (q queries) NextDeadline(ctx context.Context) (time.Time, bool, error) {
	var at *int64
	err := q.db.QueryRow(ctx, `SELECT MIN(d) FROM (
		SELECT MIN(deadline) AS d FROM action_runs WHERE status = 'InProgress' AND deadline > 0
		UNION ALL
		SELECT MIN(deadline) AS d FROM jobs WHERE status IN ('Dispatched', 'InProgress') AND deadline > 0
		UNION ALL
		SELECT MIN(lease_expires) AS d FROM jobs WHERE status IN ('Dispatched', 'InProgress') AND lease_expires > 0
	) AS deadlines`).Scan(&at)
	if err != nil {
		return time.Time{}, false, interpretError(err)
	}
	if at == nil {
		return time.Time{}, false, nil
	}
	return fromMillis(*at), true, nil
}
