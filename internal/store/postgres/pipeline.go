package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func (q queries) PipelineCreate(ctx context.Context, p *core.Pipeline) error {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO pipelines
		(account, region, name, version, pipeline_type, execution_mode, created_at, updated_at)
		VALUES ($1, $2, $3, 1, $4, $5, $6, $7) RETURNING id`,
		p.Scope.Account, p.Scope.Region, p.Name, p.PipelineType, p.ExecutionMode,
		millis(p.Created), millis(p.Updated)).Scan(&id)
	if err != nil {
		return interpretError(err)
	}
	return q.insertVersion(ctx, id, 1, p)
}

func (q queries) insertVersion(ctx context.Context, id int64, version int, p *core.Pipeline) error {
	_, err := q.db.Exec(ctx, `INSERT INTO pipeline_versions
		(pipeline_id, version, declaration, created_at) VALUES ($1, $2, $3, $4)`,
		id, version, string(p.Declaration), millis(p.Updated))
	return interpretError(err)
}

// PipelineAddVersion is an optimistic update: a concurrent writer that
// moved the version first makes the UPDATE match no row once it waited for
// that writer's commit, and the pipeline found anyway makes it a conflict.
func (q queries) PipelineAddVersion(ctx context.Context, p *core.Pipeline) error {
	var id int64
	err := q.db.QueryRow(ctx, `UPDATE pipelines
		SET version = $1, pipeline_type = $2, execution_mode = $3, updated_at = $4
		WHERE account = $5 AND region = $6 AND name = $7 AND version = $8 RETURNING id`,
		p.Version, p.PipelineType, p.ExecutionMode, millis(p.Updated),
		p.Scope.Account, p.Scope.Region, p.Name, p.Version-1).Scan(&id)
	if err != nil {
		err = interpretError(err)
		if errors.Is(err, store.ErrNotFound) {
			if _, gerr := q.PipelineGet(ctx, p.Scope, p.Name, 0); gerr == nil {
				return store.ErrConflict
			}
		}
		return err
	}
	return q.insertVersion(ctx, id, p.Version, p)
}

func (q queries) PipelineDelete(ctx context.Context, scope core.Scope, name string) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM pipelines WHERE account = $1 AND region = $2 AND name = $3`,
		scope.Account, scope.Region, name)
	if err := affectedOne(tag, err, store.ErrNotFound); err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `DELETE FROM tags WHERE account = $1 AND region = $2 AND arn = $3`,
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
		_, err := q.db.Exec(ctx, `DELETE FROM `+table+` WHERE account = $1 AND region = $2 AND pipeline = $3`,
			scope.Account, scope.Region, name)
		if err != nil {
			return interpretError(err)
		}
	}
	return nil
}

// PipelineLock takes the pipeline's own row FOR UPDATE: the row every
// change of the pipeline goes through anyway, so no separate lock table or
// advisory lock (which distributed PostgreSQL-compatible databases lack) is
// needed. A second engine's lock waits until this transaction ends; if the
// pipeline was deleted meanwhile, it finds no row and answers ErrNotFound.
func (q queries) PipelineLock(ctx context.Context, scope core.Scope, name string) error {
	var one int
	err := q.db.QueryRow(ctx, `SELECT 1 FROM pipelines WHERE account = $1 AND region = $2 AND name = $3 FOR UPDATE`,
		scope.Account, scope.Region, name).Scan(&one)
	return interpretError(err)
}

const pipelineColumns = `p.name, p.pipeline_type, p.execution_mode, p.created_at`

func (q queries) PipelineGet(ctx context.Context, scope core.Scope, name string, version int) (*core.Pipeline, error) {
	p := &core.Pipeline{Scope: scope}
	var created, updated int64
	var decl string
	err := q.db.QueryRow(ctx, `SELECT `+pipelineColumns+`, v.version, v.declaration, v.created_at
		FROM pipelines p JOIN pipeline_versions v ON v.pipeline_id = p.id
		WHERE p.account = $1 AND p.region = $2 AND p.name = $3
		AND v.version = CASE WHEN $4::integer = 0 THEN p.version ELSE $4::integer END`,
		scope.Account, scope.Region, name, version).
		Scan(&p.Name, &p.PipelineType, &p.ExecutionMode, &created, &p.Version, &decl, &updated)
	if err != nil {
		return nil, interpretError(err)
	}
	p.Declaration = []byte(decl)
	p.Created, p.Updated = fromMillis(created), fromMillis(updated)
	return p, nil
}

func (q queries) PipelineList(ctx context.Context, scope core.Scope, page store.Page) ([]*core.Pipeline, error) {
	rows, err := q.db.Query(ctx, `SELECT `+pipelineColumns+`, p.version, p.updated_at
		FROM pipelines p WHERE p.account = $1 AND p.region = $2 AND p.name > $3
		ORDER BY p.name LIMIT $4`, scope.Account, scope.Region, page.After, page.Limit)
	return listRows(rows, err, func(row pgx.Row) (*core.Pipeline, error) {
		p := &core.Pipeline{Scope: scope}
		var created, updated int64
		if err := row.Scan(&p.Name, &p.PipelineType, &p.ExecutionMode, &created, &p.Version, &updated); err != nil {
			return nil, err
		}
		p.Created, p.Updated = fromMillis(created), fromMillis(updated)
		return p, nil
	})
}

func (q queries) PipelineScopes(ctx context.Context) ([]core.Scope, error) {
	rows, err := q.db.Query(ctx, `SELECT DISTINCT account, region FROM pipelines ORDER BY account, region`)
	return listRows(rows, err, func(row pgx.Row) (core.Scope, error) {
		var sc core.Scope
		err := row.Scan(&sc.Account, &sc.Region)
		return sc, err
	})
}

func (q queries) PipelineCount(ctx context.Context, scope core.Scope) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT COUNT(*) FROM pipelines WHERE account = $1 AND region = $2`,
		scope.Account, scope.Region).Scan(&n)
	return n, interpretError(err)
}
