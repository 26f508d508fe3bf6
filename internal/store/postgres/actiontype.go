package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// actionTypeKey matches one action type; its parameters come first, so
// the statements number the rest from $7.
const actionTypeKey = `account = $1 AND region = $2 AND owner = $3 AND category = $4 AND provider = $5 AND version = $6`

func keyArgs(scope core.Scope, id core.ActionTypeID, rest ...any) []any {
	return append([]any{scope.Account, scope.Region, id.Owner, id.Category, id.Provider, id.Version}, rest...)
}

func (q queries) ActionTypeCreate(ctx context.Context, t *core.ActionType) error {
	_, err := q.db.Exec(ctx, `INSERT INTO action_types
		(account, region, owner, category, provider, version, definition, deleted, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9)`,
		keyArgs(t.Scope, t.ID, string(t.Definition), millis(t.Created), millis(t.Updated))...)
	return interpretError(err)
}

func (q queries) ActionTypeUpdate(ctx context.Context, t *core.ActionType) error {
	tag, err := q.db.Exec(ctx, `UPDATE action_types SET definition = $7, updated_at = $8
		WHERE `+actionTypeKey+` AND NOT deleted`,
		keyArgs(t.Scope, t.ID, string(t.Definition), millis(t.Updated))...)
	return affectedOne(tag, err, store.ErrNotFound)
}

func (q queries) ActionTypeMarkDeleted(ctx context.Context, scope core.Scope, id core.ActionTypeID, at time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE action_types SET deleted = TRUE, updated_at = $7
		WHERE `+actionTypeKey+` AND NOT deleted`, keyArgs(scope, id, millis(at))...)
	if err := affectedOne(tag, err, store.ErrNotFound); err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `DELETE FROM tags WHERE account = $1 AND region = $2 AND arn = $3`,
		scope.Account, scope.Region, id.ARN(scope))
	return interpretError(err)
}

func (q queries) ActionTypeRestore(ctx context.Context, scope core.Scope, id core.ActionTypeID, at time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE action_types SET deleted = FALSE, updated_at = $7
		WHERE `+actionTypeKey+` AND deleted`, keyArgs(scope, id, millis(at))...)
	return affectedOne(tag, err, store.ErrNotFound)
}

const actionTypeColumns = `owner, category, provider, version, definition, deleted, created_at, updated_at`

func scanActionType(scope core.Scope, row pgx.Row) (*core.ActionType, error) {
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
	row := q.db.QueryRow(ctx, `SELECT `+actionTypeColumns+` FROM action_types WHERE `+actionTypeKey,
		keyArgs(scope, id)...)
	return scanActionType(scope, row)
}

func (q queries) ActionTypeList(ctx context.Context, scope core.Scope) ([]*core.ActionType, error) {
	rows, err := q.db.Query(ctx, `SELECT `+actionTypeColumns+` FROM action_types
		WHERE account = $1 AND region = $2 ORDER BY owner, category, provider, version`,
		scope.Account, scope.Region)
	return listRows(rows, err, func(row pgx.Row) (*core.ActionType, error) { return scanActionType(scope, row) })
}
