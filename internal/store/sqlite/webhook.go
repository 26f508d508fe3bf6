package sqlite

import (
	"context"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func (q queries) WebhookPut(ctx context.Context, w *core.Webhook) error {
	_, err := q.exec(ctx, `INSERT INTO webhooks
		(account, region, name, definition, url, registered, last_triggered, error_code, error_message, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, region, name) DO UPDATE SET definition = excluded.definition,
		url = excluded.url, registered = excluded.registered, last_triggered = excluded.last_triggered,
		error_code = excluded.error_code, error_message = excluded.error_message`,
		w.Scope.Account, w.Scope.Region, w.Name, string(w.Definition), w.URL, w.Registered,
		millis(w.LastTriggered), w.ErrorCode, w.ErrorMessage, millis(w.Created))
	return interpretError(err)
}

func (q queries) WebhookDelete(ctx context.Context, scope core.Scope, name string) error {
	res, err := q.exec(ctx, `DELETE FROM webhooks WHERE account = ? AND region = ? AND name = ?`,
		scope.Account, scope.Region, name)
	if err := affectedOne(res, err, store.ErrNotFound); err != nil {
		return err
	}
	_, err = q.exec(ctx, `DELETE FROM tags WHERE account = ? AND region = ? AND arn = ?`,
		scope.Account, scope.Region, scope.ARN("webhook:"+name))
	return interpretError(err)
}

const webhookColumns = `name, definition, url, registered, last_triggered, error_code, error_message, created_at`

func scanWebhook(scope core.Scope, row interface{ Scan(...any) error }) (*core.Webhook, error) {
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
	row := q.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE account = ? AND region = ? AND name = ?`, scope.Account, scope.Region, name)
	return scanWebhook(scope, row)
}

func (q queries) WebhookByToken(ctx context.Context, token string) (*core.Webhook, error) {
	row := q.queryRow(ctx, `SELECT account, region, `+webhookColumns+` FROM webhooks
		WHERE url LIKE ? ORDER BY created_at LIMIT 1`, "%?t="+escapeLike(token)+"&v=1")
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
	row   interface{ Scan(...any) error }
	scope *core.Scope
}

func (r scopedRow) Scan(dest ...any) error {
	return r.row.Scan(append([]any{&r.scope.Account, &r.scope.Region}, dest...)...)
}

// escapeLike drops LIKE's wildcards from a value matched literally.
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

func (q queries) WebhookList(ctx context.Context, scope core.Scope, page store.Page) ([]*core.Webhook, error) {
	rows, err := q.query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ? + 0`,
		scope.Account, scope.Region, page.After, page.Limit)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []*core.Webhook
	for rows.Next() {
		w, err := scanWebhook(scope, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
