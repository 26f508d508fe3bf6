package postgres

import (
	"context"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func setStageRunSeq(r *core.StageRun, seq int64)   { r.Seq = seq }
func setActionRunSeq(r *core.ActionRun, seq int64) { r.Seq = seq }

// StageRunPut keeps the seq of a run it replaces: RETURNING answers the
// stored row's seq on either path of the upsert. A replacement rewrites
// every column, so the columns always describe doc.
func (q queries) StageRunPut(ctx context.Context, r *core.StageRun) error {
	doc, err := encodeDoc(r)
	if err != nil {
		return err
	}
	err = q.db.QueryRow(ctx, `INSERT INTO stage_runs
		(account, region, pipeline, execution_id, stage, status, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (execution_id, stage) DO UPDATE SET account = excluded.account,
		region = excluded.region, pipeline = excluded.pipeline, status = excluded.status, doc = excluded.doc
		RETURNING seq`,
		r.Scope.Account, r.Scope.Region, r.Pipeline, r.ExecutionID, r.Stage, r.Status, doc).Scan(&r.Seq)
	return interpretError(err)
}

func (q queries) StageRunGet(ctx context.Context, scope core.Scope, pipeline, executionID, stage string) (*core.StageRun, error) {
	row := q.db.QueryRow(ctx, `SELECT seq, doc FROM stage_runs
		WHERE execution_id = $1 AND stage = $2 AND account = $3 AND region = $4 AND pipeline = $5`,
		executionID, stage, scope.Account, scope.Region, pipeline)
	return scanDoc(row, setStageRunSeq)
}

func (q queries) StageRunsOf(ctx context.Context, scope core.Scope, pipeline, executionID string) ([]*core.StageRun, error) {
	rows, err := q.db.Query(ctx, `SELECT seq, doc FROM stage_runs
		WHERE execution_id = $1 AND account = $2 AND region = $3 AND pipeline = $4 ORDER BY seq`,
		executionID, scope.Account, scope.Region, pipeline)
	return listDocs(rows, err, setStageRunSeq)
}

// stageRunsLatestSQL walks the distinct stages of a pipeline with one index
// seek each (a loose index scan: the next stage is the first index entry
// past the current one), then reads each stage's run with the highest seq
// from the end of the same index. Its cost grows with the number of stages,
// not with history, where DISTINCT ON, GROUP BY or a window function would
// read every run ever made.
const stageRunsLatestSQL = `WITH RECURSIVE stages (stage) AS (
		SELECT MIN(stage) FROM stage_runs WHERE account = $1 AND region = $2 AND pipeline = $3
		UNION ALL
		SELECT (SELECT MIN(n.stage) FROM stage_runs n
			WHERE n.account = $1 AND n.region = $2 AND n.pipeline = $3 AND n.stage > stages.stage)
		FROM stages WHERE stages.stage IS NOT NULL
	)
	SELECT r.seq, r.doc FROM stages CROSS JOIN LATERAL (
		SELECT m.seq, m.doc FROM stage_runs m
		WHERE m.account = $1 AND m.region = $2 AND m.pipeline = $3 AND m.stage = stages.stage
		ORDER BY m.seq DESC LIMIT 1) AS r
	ORDER BY stages.stage`

func (q queries) StageRunsLatest(ctx context.Context, scope core.Scope, pipeline string) ([]*core.StageRun, error) {
	rows, err := q.db.Query(ctx, stageRunsLatestSQL, scope.Account, scope.Region, pipeline)
	return listDocs(rows, err, setStageRunSeq)
}

// ActionRunPut keeps the seq of a run it replaces, as StageRunPut does.
func (q queries) ActionRunPut(ctx context.Context, r *core.ActionRun) error {
	doc, err := encodeDoc(r)
	if err != nil {
		return err
	}
	err = q.db.QueryRow(ctx, `INSERT INTO action_runs
		(id, account, region, pipeline, execution_id, stage, action, status, token, deadline, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET account = excluded.account, region = excluded.region,
		pipeline = excluded.pipeline, execution_id = excluded.execution_id, stage = excluded.stage,
		action = excluded.action, status = excluded.status, token = excluded.token,
		deadline = excluded.deadline, doc = excluded.doc
		RETURNING seq`,
		r.ID, r.Scope.Account, r.Scope.Region, r.Pipeline, r.ExecutionID, r.Stage, r.Action,
		r.Status, r.Token, millisOrZero(r.Deadline), doc).Scan(&r.Seq)
	return interpretError(err)
}

func (q queries) ActionRunGet(ctx context.Context, scope core.Scope, id string) (*core.ActionRun, error) {
	row := q.db.QueryRow(ctx, `SELECT seq, doc FROM action_runs WHERE id = $1 AND account = $2 AND region = $3`,
		id, scope.Account, scope.Region)
	return scanDoc(row, setActionRunSeq)
}

func (q queries) ActionRunsOf(ctx context.Context, scope core.Scope, pipeline, executionID string) ([]*core.ActionRun, error) {
	rows, err := q.db.Query(ctx, `SELECT seq, doc FROM action_runs
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND execution_id = $4 ORDER BY seq`,
		scope.Account, scope.Region, pipeline, executionID)
	return listDocs(rows, err, setActionRunSeq)
}

func (q queries) ActionRunsBusy(ctx context.Context, scope core.Scope, pipeline, executionID, stage string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT COUNT(*) FROM action_runs
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND execution_id = $4 AND stage = $5
		AND status = 'InProgress'`,
		scope.Account, scope.Region, pipeline, executionID, stage).Scan(&n)
	return n, interpretError(err)
}

// actionRunsLatestSQL is stageRunsLatestSQL over (stage, action) pairs:
// one walk with a row-value step, which PostgreSQL turns into a single
// index seek past the current pair.
const actionRunsLatestSQL = `WITH RECURSIVE pairs (stage, action) AS (
		(SELECT stage, action FROM action_runs WHERE account = $1 AND region = $2 AND pipeline = $3
			ORDER BY stage, action LIMIT 1)
		UNION ALL
		SELECT n.stage, n.action FROM pairs CROSS JOIN LATERAL (
			SELECT m.stage, m.action FROM action_runs m
			WHERE m.account = $1 AND m.region = $2 AND m.pipeline = $3
			AND (m.stage, m.action) > (pairs.stage, pairs.action)
			ORDER BY m.stage, m.action LIMIT 1) AS n
	)
	SELECT r.seq, r.doc FROM pairs CROSS JOIN LATERAL (
		SELECT m.seq, m.doc FROM action_runs m
		WHERE m.account = $1 AND m.region = $2 AND m.pipeline = $3
		AND m.stage = pairs.stage AND m.action = pairs.action
		ORDER BY m.seq DESC LIMIT 1) AS r
	ORDER BY pairs.stage, pairs.action`

func (q queries) ActionRunsLatest(ctx context.Context, scope core.Scope, pipeline string) ([]*core.ActionRun, error) {
	rows, err := q.db.Query(ctx, actionRunsLatestSQL, scope.Account, scope.Region, pipeline)
	return listDocs(rows, err, setActionRunSeq)
}

// ActionRunList has one statement per shape of filter: one statement
// with an optional condition ("empty, or equal") would keep a generic plan
// from choosing the execution index.
func (q queries) ActionRunList(ctx context.Context, scope core.Scope, pipeline string, f store.ActionRunFilter) ([]*core.ActionRun, error) {
	if f.ExecutionID != "" {
		rows, err := q.db.Query(ctx, `SELECT seq, doc FROM action_runs
			WHERE account = $1 AND region = $2 AND pipeline = $3 AND execution_id = $4 AND seq < $5
			ORDER BY seq DESC LIMIT $6`,
			scope.Account, scope.Region, pipeline, f.ExecutionID, before(f.Before), limit(f.Limit))
		return listDocs(rows, err, setActionRunSeq)
	}
	rows, err := q.db.Query(ctx, `SELECT seq, doc FROM action_runs
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND seq < $4 ORDER BY seq DESC LIMIT $5`,
		scope.Account, scope.Region, pipeline, before(f.Before), limit(f.Limit))
	return listDocs(rows, err, setActionRunSeq)
}

func (q queries) ActionRunByToken(ctx context.Context, scope core.Scope, pipeline, stage, action, token string) (*core.ActionRun, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	// token <> '' repeats the partial index's condition, as ExecutionByToken.
	row := q.db.QueryRow(ctx, `SELECT seq, doc FROM action_runs
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND stage = $4 AND action = $5
		AND token = $6 AND token <> '' ORDER BY seq DESC LIMIT 1`,
		scope.Account, scope.Region, pipeline, stage, action, token)
	return scanDoc(row, setActionRunSeq)
}

func (q queries) ActionRunsExpired(ctx context.Context, now time.Time, n int) ([]*core.ActionRun, error) {
	rows, err := q.db.Query(ctx, `SELECT seq, doc FROM action_runs
		WHERE status = 'InProgress' AND deadline > 0 AND deadline < $1 ORDER BY deadline, seq LIMIT $2`,
		millis(now), limit(n))
	return listDocs(rows, err, setActionRunSeq)
}
