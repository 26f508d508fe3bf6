package sqlite

import (
	"context"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func (q queries) PipelineCreate(ctx context.Context, p *core.Pipeline) error {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO pipelines
		(account, region, name, version, pipeline_type, execution_mode, created_at, updated_at)
		VALUES (?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`,
		p.Scope.Account, p.Scope.Region, p.Name, p.PipelineType, p.ExecutionMode,
		millis(p.Created), millis(p.Updated)).Scan(&id)
	if err != nil {
		return interpretError(err)
	}
	return q.insertVersion(ctx, id, 1, p)
}

func (q queries) insertVersion(ctx context.Context, id int64, version int, p *core.Pipeline) error {
	_, err := q.exec(ctx, `INSERT INTO pipeline_versions
		(pipeline_id, version, declaration, created_at) VALUES (?, ?, ?, ?)`,
		id, version, string(p.Declaration), millis(p.Updated))
	return interpretError(err)
}

func (q queries) PipelineAddVersion(ctx context.Context, p *core.Pipeline) error {
	var id int64
	err := q.queryRow(ctx, `UPDATE pipelines
		SET version = ?, pipeline_type = ?, execution_mode = ?, updated_at = ?
		WHERE account = ? AND region = ? AND name = ? AND version = ? RETURNING id`,
		p.Version, p.PipelineType, p.ExecutionMode, millis(p.Updated),
		p.Scope.Account, p.Scope.Region, p.Name, p.Version-1).Scan(&id)
	if err != nil {
		err = interpretError(err)
		if err == store.ErrNotFound {
			if _, gerr := q.PipelineGet(ctx, p.Scope, p.Name, 0); gerr == nil {
				return store.ErrConflict
			}
		}
		return err
	}
	return q.insertVersion(ctx, id, p.Version, p)
}

func (q queries) PipelineDelete(ctx context.Context, scope core.Scope, name string) error {
	res, err := q.exec(ctx, `DELETE FROM pipelines WHERE account = ? AND region = ? AND name = ?`,
		scope.Account, scope.Region, name)
	if err := affectedOne(res, err, store.ErrNotFound); err != nil {
		return err
	}
	_, err = q.exec(ctx, `DELETE FROM tags WHERE account = ? AND region = ? AND arn = ?`,
		scope.Account, scope.Region, scope.ARN(name))
	if err != nil {
		return interpretError(err)
	}
	return q.deleteRuns(ctx, scope, name)
}

// pipelineRunTables hold what a pipeline ran, each keyed by (account,
// region, pipeline) first.
var pipelineRunTables = []string{"executions", "stage_runs", "action_runs", "jobs", "transitions", "revisions"}

// deleteRuns removes everything a pipeline ran, for PipelineDelete.
func (q queries) deleteRuns(ctx context.Context, scope core.Scope, name string) error {
	for _, table := range pipelineRunTables {
		_, err := q.exec(ctx, `DELETE FROM `+table+` WHERE account = ? AND region = ? AND pipeline = ?`,
			scope.Account, scope.Region, name)
		if err != nil {
			return interpretError(err)
		}
	}
	return nil
}

// PipelineLock only checks that the pipeline exists. SQLite has one writer
// and every transaction begins immediate, so the transaction already holds
// the database's write lock until it ends: nothing could change the
// pipeline beside it. A driver with concurrent writers (PostgreSQL) locks
// the row instead, with SELECT … FOR UPDATE.
func (q queries) PipelineLock(ctx context.Context, scope core.Scope, name string) error {
	var one int
	err := q.queryRow(ctx, `SELECT 1 FROM pipelines WHERE account = ? AND region = ? AND name = ?`,
		scope.Account, scope.Region, name).Scan(&one)
	return interpretError(err)
}

const pipelineColumns = `p.name, p.pipeline_type, p.execution_mode, p.created_at`

func (q queries) PipelineGet(ctx context.Context, scope core.Scope, name string, version int) (*core.Pipeline, error) {
	p := &core.Pipeline{Scope: scope}
	var created, updated int64
	var decl string
	err := q.queryRow(ctx, `SELECT `+pipelineColumns+`, v.version, v.declaration, v.created_at
		FROM pipelines p JOIN pipeline_versions v ON v.pipeline_id = p.id
		WHERE p.account = ? AND p.region = ? AND p.name = ?
		AND v.version = CASE WHEN ? = 0 THEN p.version ELSE ? END`,
		scope.Account, scope.Region, name, version, version).
		Scan(&p.Name, &p.PipelineType, &p.ExecutionMode, &created, &p.Version, &decl, &updated)
	if err != nil {
		return nil, interpretError(err)
	}
	p.Declaration = []byte(decl)
	p.Created, p.Updated = fromMillis(created), fromMillis(updated)
	return p, nil
}

func (q queries) PipelineList(ctx context.Context, scope core.Scope, page store.Page) ([]*core.Pipeline, error) {
	rows, err := q.query(ctx, `SELECT `+pipelineColumns+`, p.version, p.updated_at
		FROM pipelines p WHERE p.account = ? AND p.region = ? AND p.name > ?
		ORDER BY p.name LIMIT ? + 0`, scope.Account, scope.Region, page.After, page.Limit)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []*core.Pipeline
	for rows.Next() {
		p := &core.Pipeline{Scope: scope}
		var created, updated int64
		if err := rows.Scan(&p.Name, &p.PipelineType, &p.ExecutionMode, &created, &p.Version, &updated); err != nil {
			return nil, err
		}
		p.Created, p.Updated = fromMillis(created), fromMillis(updated)
		out = append(out, p)
	}
	return out, rows.Err()
}

func (q queries) PipelineScopes(ctx context.Context) ([]core.Scope, error) {
	rows, err := q.query(ctx, `SELECT DISTINCT account, region FROM pipelines ORDER BY account, region`)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []core.Scope
	for rows.Next() {
		var sc core.Scope
		if err := rows.Scan(&sc.Account, &sc.Region); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

func (q queries) PipelineCount(ctx context.Context, scope core.Scope) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM pipelines WHERE account = ? AND region = ?`,
		scope.Account, scope.Region).Scan(&n)
	return n, interpretError(err)
}
