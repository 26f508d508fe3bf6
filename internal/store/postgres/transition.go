package postgres

import (
	"context"

	"github.com/sluice-cd/sluice/internal/core"
)

func (q queries) TransitionPut(ctx context.Context, t *core.Transition) error {
	doc, err := encodeDoc(t)
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `INSERT INTO transitions (account, region, pipeline, stage, kind, doc)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account, region, pipeline, stage, kind) DO UPDATE SET doc = excluded.doc`,
		t.Scope.Account, t.Scope.Region, t.Pipeline, t.Stage, t.Kind, doc)
	return interpretError(err)
}

func (q queries) TransitionList(ctx context.Context, scope core.Scope, pipeline string) ([]*core.Transition, error) {
	rows, err := q.db.Query(ctx, `SELECT doc FROM transitions
		WHERE account = $1 AND region = $2 AND pipeline = $3 ORDER BY stage, kind`,
		scope.Account, scope.Region, pipeline)
	return listDocs[core.Transition](rows, err, nil)
}

// RevisionPut leaves a recorded revision as it was: the primary key turns
// a second record into ErrConflict.
func (q queries) RevisionPut(ctx context.Context, r *core.RevisionSeen) error {
	doc, err := encodeDoc(r)
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `INSERT INTO revisions (account, region, pipeline, stage, action, revision_id, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.Scope.Account, r.Scope.Region, r.Pipeline, r.Stage, r.Action, r.RevisionID, doc)
	return interpretError(err)
}

func (q queries) RevisionGet(ctx context.Context, scope core.Scope, pipeline, stage, action, revision string) (*core.RevisionSeen, error) {
	row := q.db.QueryRow(ctx, `SELECT doc FROM revisions
		WHERE account = $1 AND region = $2 AND pipeline = $3 AND stage = $4 AND action = $5 AND revision_id = $6`,
		scope.Account, scope.Region, pipeline, stage, action, revision)
	return scanDoc[core.RevisionSeen](row, nil)
}
