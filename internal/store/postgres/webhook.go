package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func (q queries) WebhookPut(ctx context.Context, w *core.Webhook) error {
	_, err := q.db.Exec(ctx, `INSERT INTO webhooks
		(account, region, name, definition, url, registered, last_triggered, error_code, error_message, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (account, region, name) DO UPDATE SET definition = excluded.definition,
		url = excluded.url, registered = excluded.registered, last_triggered = excluded.last_triggered,
		error_code = excluded.error_code, error_message = excluded.error_message`,
		w.Scope.Account, w.Scope.Region, w.Name, string(w.Definition), w.URL, w.Registered,
		millis(w.LastTriggered), w.ErrorCode, w.ErrorMessage, millis(w.Created))
	return interpretError(err)
}

func (q queries) WebhookDelete(ctx context.Context, scope core.Scope, name string) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM webhooks WHERE account = $1 AND region = $2 AND name = $3`,
		scope.Account, scope.Region, name)
	if err := affectedOne(tag, err, store.ErrNotFound); err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `DELETE FROM tags WHERE account = $1 AND region = $2 AND arn = $3`,
		scope.Account, scope.Region, scope.ARN("webhook:"+name))
	return interpretError(err)
}

const webhookColumns = `name, definition, url, registered, last_triggered, error_code, error_message, created_at`

func scanWebhook(scope core.Scope, row pgx.Row) (*core.Webhook, error) {
	w := &core.Webhook{Scope: scope}
	var def string
	var last, created int64
	if err := row.Scan(&w.Name, &def, &w.URL, &w.Registered, &last, &w.ErrorCode, &w.ErrorMessage, &created); err != nil {
		return nil, interpretError(err)
	}
	w.Definition = []byte(def)
	w.LastTriggered, w.Created = fromMillis(last), fromMillis(created)
	return w, nil
}

func (q queries) WebhookGet(ctx context.Context, scope core.Scope, name string) (*core.Webhook, error) {
	row := q.db.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE account = $1 AND region = $2 AND name = $3`, scope.Account, scope.Region, name)
	return scanWebhook(scope, row)
}

func (q queries) WebhookByToken(ctx context.Context, token string) (*core.Webhook, error) {
	row := q.db.QueryRow(ctx, `SELECT account, region, `+webhookColumns+` FROM webhooks
		WHERE url LIKE $1 ORDER BY created_at LIMIT 1`, "%?t="+escapeLike(token)+"&v=1")
	var sc core.Scope
	w, err := scanWebhook(sc, scopedRow{row, &sc})
	if err != nil {
		return nil, err
	}
	w.Scope = sc // known only once the row was scanned
	return w, nil
}

// scopedRow scans a row's leading account and region into a scope.
type scopedRow struct {
	row   pgx.Row
	scope *core.Scope
}

func (r scopedRow) Scan(dest ...any) error {
	return r.row.Scan(append([]any{&r.scope.Account, &r.scope.Region}, dest...)...)
}

// escapeLike drops LIKE's wildcards from a value matched literally, as the
// SQLite driver does, and doubles backslashes: PostgreSQL's LIKE reads a
// backslash as its escape character, SQLite's as a plain one.
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "", `\`, `\\`).Replace(s)
}

func (q queries) WebhookList(ctx context.Context, scope core.Scope, page store.Page) ([]*core.Webhook, error) {
	rows, err := q.db.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE account = $1 AND region = $2 AND name > $3 ORDER BY name LIMIT $4`,
		scope.Account, scope.Region, page.After, page.Limit)
	return listRows(rows, err, func(row pgx.Row) (*core.Webhook, error) { return scanWebhook(scope, row) })
}
