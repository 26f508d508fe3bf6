package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func (q queries) JobPut(ctx context.Context, j *core.Job) error {
	doc, err := encodeJobDoc(j)
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `INSERT INTO jobs
		(id, account, region, pipeline, action_run_id, category, owner, provider, version,
		status, query_value, created_at, deadline, doc, data, access_key_id, lease_owner, lease_expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (id) DO UPDATE SET account = excluded.account, region = excluded.region,
		pipeline = excluded.pipeline, action_run_id = excluded.action_run_id, category = excluded.category,
		owner = excluded.owner, provider = excluded.provider, version = excluded.version,
		status = excluded.status, query_value = excluded.query_value, created_at = excluded.created_at,
		deadline = excluded.deadline, doc = excluded.doc, data = excluded.data,
		access_key_id = excluded.access_key_id, lease_owner = excluded.lease_owner,
		lease_expires = excluded.lease_expires`,
		j.ID, j.Scope.Account, j.Scope.Region, j.Pipeline, j.ActionRunID,
		j.Type.Category, j.Type.Owner, j.Type.Provider, j.Type.Version,
		j.Status, j.QueryValue, millisOrZero(j.Created), millisOrZero(j.Deadline), doc, string(j.Data), j.AccessKeyID,
		j.LeaseOwner, millisOrZero(j.LeaseExpires))
	return interpretError(err)
}

// encodeJobDoc encodes a job without its data, which has its own column.
func encodeJobDoc(j *core.Job) (string, error) {
	bare := *j
	bare.Data = nil
	return encodeDoc(&bare)
}

// jobColumns are what scanJob reads.
const jobColumns = `doc, data, lease_owner, lease_expires`

// scanJob decodes a row of jobColumns.
func scanJob(row pgx.Row) (*core.Job, error) {
	var doc, data []byte
	var leaseOwner string
	var leaseExpires int64
	if err := row.Scan(&doc, &data, &leaseOwner, &leaseExpires); err != nil {
		return nil, interpretError(err)
	}
	j := new(core.Job)
	if err := json.Unmarshal(doc, j); err != nil {
		return nil, fmt.Errorf("decode job: %w", err)
	}
	j.LeaseOwner, j.LeaseExpires = leaseOwner, fromMillis(leaseExpires)
	if len(data) > 0 {
		j.Data = data
	}
	return j, nil
}

func (q queries) JobGet(ctx context.Context, scope core.Scope, id string) (*core.Job, error) {
	row := q.db.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1 AND account = $2 AND region = $3`,
		id, scope.Account, scope.Region)
	return scanJob(row)
}

func (q queries) JobsOf(ctx context.Context, scope core.Scope, actionRunID string) ([]*core.Job, error) {
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE action_run_id = $1 AND account = $2 AND region = $3 ORDER BY created_at, id`,
		actionRunID, scope.Account, scope.Region)
	return listRows(rows, err, scanJob)
}

func (q queries) JobByAccessKey(ctx context.Context, accessKeyID string) (*core.Job, error) {
	if accessKeyID == "" {
		return nil, store.ErrNotFound
	}
	// access_key_id <> '' repeats the partial index's condition.
	row := q.db.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE access_key_id = $1 AND access_key_id <> ''`,
		accessKeyID)
	return scanJob(row)
}

// JobClaimOwned claims like JobClaim, over every type of one owner in
// every scope.
func (q queries) JobClaimOwned(ctx context.Context, owner string, n int,
	now, deadline time.Time, nonce func() string) ([]*core.Job, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE owner = $1 AND status = 'Queued'
		ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, owner, n)
	jobs, err := listRows(rows, err, scanJob)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	return q.dispatch(ctx, jobs, now, deadline, nonce)
}

const jobClaimWhere = `account = $1 AND region = $2 AND category = $3 AND owner = $4 AND provider = $5
	AND version = $6 AND status = 'Queued'`

// JobClaim locks the jobs it hands out as it reads them, skipping the rows
// another claimer holds: several replicas claim from one queue at once,
// each getting other jobs, and none waits for another's transaction. The
// "AND status = 'Queued'" guard of dispatch is then always true; it stays
// as the SQLite driver has it.
func (q queries) JobClaim(ctx context.Context, scope core.Scope, typ core.ActionTypeID, query *string, n int,
	now, deadline time.Time, nonce func() string) ([]*core.Job, error) {
	if n <= 0 {
		return nil, nil
	}
	args := []any{scope.Account, scope.Region, typ.Category, typ.Owner, typ.Provider, typ.Version, n}
	stmt := `SELECT ` + jobColumns + ` FROM jobs WHERE ` + jobClaimWhere +
		` ORDER BY created_at, id LIMIT $7 FOR UPDATE SKIP LOCKED`
	if query != nil {
		stmt = `SELECT ` + jobColumns + ` FROM jobs WHERE ` + jobClaimWhere +
			` AND query_value = $8 ORDER BY created_at, id LIMIT $7 FOR UPDATE SKIP LOCKED`
		args = append(args, *query)
	}
	rows, err := q.db.Query(ctx, stmt, args...)
	jobs, err := listRows(rows, err, scanJob)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	return q.dispatch(ctx, jobs, now, deadline, nonce)
}

// dispatch marks the jobs Dispatched, each with its own nonce, in one
// round trip. It answers the jobs that still were Queued.
func (q queries) dispatch(ctx context.Context, jobs []*core.Job, now, deadline time.Time,
	nonce func() string) ([]*core.Job, error) {
	b := &pgx.Batch{}
	for _, j := range jobs {
		j.Status, j.Nonce, j.Updated, j.Deadline = core.JobDispatched, nonce(), now, deadline
		doc, err := encodeJobDoc(j)
		if err != nil {
			return nil, err
		}
		b.Queue(`UPDATE jobs SET status = $1, deadline = $2, doc = $3 WHERE id = $4 AND status = 'Queued'`,
			j.Status, millisOrZero(deadline), doc, j.ID)
	}
	br := q.db.SendBatch(ctx, b)
	claimed := jobs[:0]
	for _, j := range jobs {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return nil, interpretError(err)
		}
		if tag.RowsAffected() == 1 {
			claimed = append(claimed, j)
		}
	}
	return claimed, interpretError(br.Close())
}

func (q queries) JobsExpired(ctx context.Context, now time.Time, n int) ([]*core.Job, error) {
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE status IN ('Dispatched', 'InProgress') AND deadline > 0 AND deadline < $1
		ORDER BY deadline, id LIMIT $2`, millis(now), limit(n))
	return listRows(rows, err, scanJob)
}

// jobsLeased is the condition of jobs_lease, which the lease queries repeat
// so that the planner can use the partial index.
const jobsLeased = `status IN ('Dispatched', 'InProgress') AND lease_expires > 0`

func (q queries) JobsLeaseExpired(ctx context.Context, now time.Time, n int) ([]*core.Job, error) {
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+jobsLeased+` AND lease_expires < $1
		ORDER BY lease_expires, id LIMIT $2`, millis(now), limit(n))
	return listRows(rows, err, scanJob)
}

func (q queries) JobsLeasedBy(ctx context.Context, owner string, n int) ([]*core.Job, error) {
	rows, err := q.db.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+jobsLeased+` AND lease_owner = $1
		ORDER BY lease_expires, id LIMIT $2`, owner, limit(n))
	return listRows(rows, err, scanJob)
}
