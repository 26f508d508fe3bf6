package sqlite

import (
	"context"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

const actionTypeKey = `account = ? AND region = ? AND owner = ? AND category = ? AND provider = ? AND version = ?`

func keyArgs(scope core.Scope, id core.ActionTypeID) []any {
	return []any{scope.Account, scope.Region, id.Owner, id.Category, id.Provider, id.Version}
}

func (q queries) ActionTypeCreate(ctx context.Context, t *core.ActionType) error {
	_, err := q.exec(ctx, `INSERT INTO action_types
		(account, region, owner, category, provider, version, definition, deleted, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?)`,
		append(keyArgs(t.Scope, t.ID), string(t.Definition), millis(t.Created), millis(t.Updated))...)
	return interpretError(err)
}

func (q queries) ActionTypeUpdate(ctx context.Context, t *core.ActionType) error {
	res, err := q.exec(ctx, `UPDATE action_types SET definition = ?, updated_at = ?
		WHERE `+actionTypeKey+` AND NOT deleted`,
		append([]any{string(t.Definition), millis(t.Updated)}, keyArgs(t.Scope, t.ID)...)...)
	return affectedOne(res, err, store.ErrNotFound)
}

func (q queries) ActionTypeMarkDeleted(ctx context.Context, scope core.Scope, id core.ActionTypeID, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE action_types SET deleted = TRUE, updated_at = ?
		WHERE `+actionTypeKey+` AND NOT deleted`, append([]any{millis(at)}, keyArgs(scope, id)...)...)
	if err := affectedOne(res, err, store.ErrNotFound); err != nil {
		return err
	}
	_, err = q.exec(ctx, `DELETE FROM tags WHERE account = ? AND region = ? AND arn = ?`,
		scope.Account, scope.Region, id.ARN(scope))
	return interpretError(err)
}

func (q queries) ActionTypeRestore(ctx context.Context, scope core.Scope, id core.ActionTypeID, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE action_types SET deleted = FALSE, updated_at = ?
		WHERE `+actionTypeKey+` AND deleted`, append([]any{millis(at)}, keyArgs(scope, id)...)...)
	return affectedOne(res, err, store.ErrNotFound)
}

const actionTypeColumns = `owner, category, provider, version, definition, deleted, created_at, updated_at`

func scanActionType(scope core.Scope, row interface{ Scan(...any) error }) (*core.ActionType, error) {
	t := &core.ActionType{Scope: scope}
	var def string
	var created, updated int64
	if err := row.Scan(&t.ID.Owner, &t.ID.Category, &t.ID.Provider, &t.ID.Version,
		&def, &t.Deleted, &created, &updated); err != nil {
		return nil, interpretError(err)
	}
	t.Definition = []byte(def)
	t.Created, t.Updated = fromMillis(created), fromMillis(updated)
	return t, nil
}

func (q queries) ActionTypeGet(ctx context.Context, scope core.Scope, id core.ActionTypeID) (*core.ActionType, error) {
	row := q.queryRow(ctx, `SELECT `+actionTypeColumns+` FROM action_types WHERE `+actionTypeKey,
		keyArgs(scope, id)...)
	return scanActionType(scope, row)
}

func (q queries) ActionTypeList(ctx context.Context, scope core.Scope) ([]*core.ActionType, error) {
	rows, err := q.query(ctx, `SELECT `+actionTypeColumns+` FROM action_types
		WHERE account = ? AND region = ? ORDER BY owner, category, provider, version`,
		scope.Account, scope.Region)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []*core.ActionType
	for rows.Next() {
		t, err := scanActionType(scope, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
