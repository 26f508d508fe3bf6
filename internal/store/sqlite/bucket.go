package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-cd/sluice/internal/store"
)

func (q queries) BucketOwner(ctx context.Context, name string) (string, error) {
	var account string
	err := q.queryRow(ctx, `SELECT account FROM buckets WHERE name = ?`, name).Scan(&account)
	if err != nil {
		return "", interpretError(err)
	}
	return account, nil
}

func (q queries) BucketsOwned(ctx context.Context, account string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT name FROM buckets WHERE account = ? ORDER BY name`, account)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// BucketClaim inserts the claim unless the bucket has an owner, then reads
// the owner back: in the one write transaction, that is the claim just
// made or the one that was there.
func (q queries) BucketClaim(ctx context.Context, name, account string, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO buckets (name, account, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, account, millis(at))
	if err != nil {
		return interpretError(err)
	}
	owner, err := q.BucketOwner(ctx, name)
	if err != nil {
		return err
	}
	if owner != account {
		return fmt.Errorf("%w: bucket %s is owned by another account", store.ErrConflict, name)
	}
	return nil
}

func (q queries) BucketRelease(ctx context.Context, name, account string) error {
	_, err := q.exec(ctx, `DELETE FROM buckets WHERE name = ? AND account = ?`, name, account)
	return interpretError(err)
}
