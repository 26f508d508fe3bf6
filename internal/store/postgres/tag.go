package postgres

import (
	"context"

	"github.com/sluice-cd/sluice/internal/core"
)

func (q queries) TagList(ctx context.Context, scope core.Scope, arn string) (map[string]string, error) {
	rows, err := q.db.Query(ctx, `SELECT key, value FROM tags
		WHERE account = $1 AND region = $2 AND arn = $3 ORDER BY key`, scope.Account, scope.Region, arn)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	tags := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		tags[k] = v
	}
	return tags, interpretError(rows.Err())
}

func (q queries) TagPut(ctx context.Context, scope core.Scope, arn string, tags map[string]string) error {
	for k, v := range tags {
		_, err := q.db.Exec(ctx, `INSERT INTO tags (account, region, arn, key, value)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account, region, arn, key) DO UPDATE SET value = excluded.value`,
			scope.Account, scope.Region, arn, k, v)
		if err != nil {
			return interpretError(err)
		}
	}
	return nil
}

func (q queries) TagDelete(ctx context.Context, scope core.Scope, arn string, keys []string) error {
	for _, k := range keys {
		_, err := q.db.Exec(ctx, `DELETE FROM tags WHERE account = $1 AND region = $2 AND arn = $3 AND key = $4`,
			scope.Account, scope.Region, arn, k)
		if err != nil {
			return interpretError(err)
		}
	}
	return nil
}
