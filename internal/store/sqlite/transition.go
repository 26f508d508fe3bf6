package sqlite

import (
	"context"

	"github.com/sluice-cd/sluice/internal/core"
)

func (q queries) TransitionPut(ctx context.Context, t *core.Transition) error {
	doc, err := encodeDoc(t)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO transitions (account, region, pipeline, stage, kind, doc)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, region, pipeline, stage, kind) DO UPDATE SET doc = excluded.doc`,
		t.Scope.Account, t.Scope.Region, t.Pipeline, t.Stage, t.Kind, doc)
	return interpretError(err)
}

func (q queries) TransitionList(ctx context.Context, scope core.Scope, pipeline string) ([]*core.Transition, error) {
	rows, err := q.query(ctx, `SELECT doc FROM transitions
		WHERE account = ? AND region = ? AND pipeline = ? ORDER BY stage, kind`,
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
	_, err = q.exec(ctx, `INSERT INTO revisions (account, region, pipeline, stage, action, revision_id, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.Scope.Account, r.Scope.Region, r.Pipeline, r.Stage, r.Action, r.RevisionID, doc)
	return interpretError(err)
}

func (q queries) RevisionGet(ctx context.Context, scope core.Scope, pipeline, stage, action, revision string) (*core.RevisionSeen, error) {
	row := q.queryRow(ctx, `SELECT doc FROM revisions
		WHERE account = ? AND region = ? AND pipeline = ? AND stage = ? AND action = ? AND revision_id = ?`,
		scope.Account, scope.Region, pipeline, stage, action, revision)
	return scanDoc[core.RevisionSeen](row, nil)
}
