package sqlite

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
	err = q.queryRow(ctx, `INSERT INTO stage_runs
		(account, region, pipeline, execution_id, stage, status, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (execution_id, stage) DO UPDATE SET account = excluded.account,
		region = excluded.region, pipeline = excluded.pipeline, status = excluded.status, doc = excluded.doc
		RETURNING seq`,
		r.Scope.Account, r.Scope.Region, r.Pipeline, r.ExecutionID, r.Stage, r.Status, doc).Scan(&r.Seq)
	return interpretError(err)
}

func (q queries) StageRunGet(ctx context.Context, scope core.Scope, pipeline, executionID, stage string) (*core.StageRun, error) {
	row := q.queryRow(ctx, `SELECT seq, doc FROM stage_runs
		WHERE execution_id = ? AND stage = ? AND account = ? AND region = ? AND pipeline = ?`,
		executionID, stage, scope.Account, scope.Region, pipeline)
	return scanDoc(row, setStageRunSeq)
}

func (q queries) StageRunsOf(ctx context.Context, scope core.Scope, pipeline, executionID string) ([]*core.StageRun, error) {
	rows, err := q.query(ctx, `SELECT seq, doc FROM stage_runs
		WHERE execution_id = ? AND account = ? AND region = ? AND pipeline = ? ORDER BY seq`,
		executionID, scope.Account, scope.Region, pipeline)
	return listDocs(rows, err, setStageRunSeq)
}

// stageRunsLatestSQL walks the distinct stages of a pipeline with one index
// seek each (a loose index scan: the next stage is the first index entry
// past the current one), then takes each stage's MAX(seq) from the same
// index. Its cost grows with the number of stages, not with history, where
// GROUP BY or a window function would read every run ever made.
const stageRunsLatestSQL = `WITH RECURSIVE stages (stage) AS (
		SELECT MIN(stage) FROM stage_runs WHERE account = ? AND region = ? AND pipeline = ?
		UNION ALL
		SELECT (SELECT MIN(n.stage) FROM stage_runs n
			WHERE n.account = ? AND n.region = ? AND n.pipeline = ? AND n.stage > stages.stage)
		FROM stages WHERE stages.stage IS NOT NULL
	)
	SELECT r.seq, r.doc FROM stages JOIN stage_runs r ON r.seq = (
		SELECT MAX(m.seq) FROM stage_runs m
		WHERE m.account = ? AND m.region = ? AND m.pipeline = ? AND m.stage = stages.stage)
	ORDER BY r.stage`

func (q queries) StageRunsLatest(ctx context.Context, scope core.Scope, pipeline string) ([]*core.StageRun, error) {
	rows, err := q.query(ctx, stageRunsLatestSQL, repeatKey(3, scope, pipeline)...)
	return listDocs(rows, err, setStageRunSeq)
}

// repeatKey gives the (account, region, pipeline) arguments of a query
// that names them n times.
func repeatKey(n int, scope core.Scope, pipeline string) []any {
	args := make([]any, 0, 3*n)
	for range n {
		args = append(args, scope.Account, scope.Region, pipeline)
	}
	return args
}

// ActionRunPut keeps the seq of a run it replaces, as StageRunPut does.
func (q queries) ActionRunPut(ctx context.Context, r *core.ActionRun) error {
	doc, err := encodeDoc(r)
	if err != nil {
		return err
	}
	err = q.queryRow(ctx, `INSERT INTO action_runs
		(id, account, region, pipeline, execution_id, stage, action, status, token, deadline, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
	row := q.queryRow(ctx, `SELECT seq, doc FROM action_runs WHERE id = ? AND account = ? AND region = ?`,
		id, scope.Account, scope.Region)
	return scanDoc(row, setActionRunSeq)
}

func (q queries) ActionRunsOf(ctx context.Context, scope core.Scope, pipeline, executionID string) ([]*core.ActionRun, error) {
	rows, err := q.query(ctx, `SELECT seq, doc FROM action_runs
		WHERE account = ? AND region = ? AND pipeline = ? AND execution_id = ? ORDER BY seq`,
		scope.Account, scope.Region, pipeline, executionID)
	return listDocs(rows, err, setActionRunSeq)
}

func (q queries) ActionRunsBusy(ctx context.Context, scope core.Scope, pipeline, executionID, stage string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM action_runs
		WHERE account = ? AND region = ? AND pipeline = ? AND execution_id = ? AND stage = ? AND status = 'InProgress'`,
		scope.Account, scope.Region, pipeline, executionID, stage).Scan(&n)
	return n, interpretError(err)
}

// actionRunsLatestSQL is stageRunsLatestSQL one level deeper: within each
// stage it walks the distinct actions the same way. (A row-value step
// "(stage, action) > (?, ?)" would be one walk, but SQLite seeks only on its
// first column and would read the whole history of the current action.)
const actionRunsLatestSQL = `WITH RECURSIVE stages (stage) AS (
		SELECT MIN(stage) FROM action_runs WHERE account = ? AND region = ? AND pipeline = ?
		UNION ALL
		SELECT (SELECT MIN(n.stage) FROM action_runs n
			WHERE n.account = ? AND n.region = ? AND n.pipeline = ? AND n.stage > stages.stage)
		FROM stages WHERE stages.stage IS NOT NULL
	),
	pairs (stage, action) AS (
		SELECT stages.stage, (SELECT MIN(f.action) FROM action_runs f
			WHERE f.account = ? AND f.region = ? AND f.pipeline = ? AND f.stage = stages.stage)
		FROM stages WHERE stages.stage IS NOT NULL
		UNION ALL
		SELECT pairs.stage, (SELECT MIN(n.action) FROM action_runs n
			WHERE n.account = ? AND n.region = ? AND n.pipeline = ? AND n.stage = pairs.stage AND n.action > pairs.action)
		FROM pairs WHERE pairs.action IS NOT NULL
	)
	SELECT r.seq, r.doc FROM pairs JOIN action_runs r ON r.seq = (
		SELECT MAX(m.seq) FROM action_runs m
		WHERE m.account = ? AND m.region = ? AND m.pipeline = ? AND m.stage = pairs.stage AND m.action = pairs.action)
	ORDER BY r.stage, r.action`

func (q queries) ActionRunsLatest(ctx context.Context, scope core.Scope, pipeline string) ([]*core.ActionRun, error) {
	rows, err := q.query(ctx, actionRunsLatestSQL, repeatKey(5, scope, pipeline)...)
	return listDocs(rows, err, setActionRunSeq)
}

// ActionRunList has one statement per shape of filter: one statement
// with an optional condition ("empty, or equal") would keep SQLite from
// choosing the execution index.
func (q queries) ActionRunList(ctx context.Context, scope core.Scope, pipeline string, f store.ActionRunFilter) ([]*core.ActionRun, error) {
	if f.ExecutionID != "" {
		rows, err := q.query(ctx, `SELECT seq, doc FROM action_runs
			WHERE account = ? AND region = ? AND pipeline = ? AND execution_id = ? AND seq < ?
			ORDER BY seq DESC LIMIT ? + 0`,
			scope.Account, scope.Region, pipeline, f.ExecutionID, before(f.Before), limit(f.Limit))
		return listDocs(rows, err, setActionRunSeq)
	}
	rows, err := q.query(ctx, `SELECT seq, doc FROM action_runs
		WHERE account = ? AND region = ? AND pipeline = ? AND seq < ? ORDER BY seq DESC LIMIT ? + 0`,
		scope.Account, scope.Region, pipeline, before(f.Before), limit(f.Limit))
	return listDocs(rows, err, setActionRunSeq)
}

func (q queries) ActionRunByToken(ctx context.Context, scope core.Scope, pipeline, stage, action, token string) (*core.ActionRun, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	// token <> '' repeats the partial index's condition so SQLite uses it.
	row := q.queryRow(ctx, `SELECT seq, doc FROM action_runs
		WHERE account = ? AND region = ? AND pipeline = ? AND stage = ? AND action = ?
		AND token = ? AND token <> '' ORDER BY seq DESC LIMIT 1`,
		scope.Account, scope.Region, pipeline, stage, action, token)
	return scanDoc(row, setActionRunSeq)
}

func (q queries) ActionRunsExpired(ctx context.Context, now time.Time, n int) ([]*core.ActionRun, error) {
	rows, err := q.query(ctx, `SELECT seq, doc FROM action_runs
		WHERE status = 'InProgress' AND deadline > 0 AND deadline < ? ORDER BY deadline, seq LIMIT ? + 0`,
		millis(now), limit(n))
	return listDocs(rows, err, setActionRunSeq)
}
