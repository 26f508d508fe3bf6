package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

func (q queries) JobPut(ctx context.Context, j *core.Job) error {
	doc, err := encodeJobDoc(j)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO jobs
		(id, account, region, pipeline, action_run_id, category, owner, provider, version,
		status, query_value, created_at, deadline, doc, data, access_key_id, lease_owner, lease_expires)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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

// scanJob decodes a row of jobColumns. Rows from before the data column
// keep their data in the document.
func scanJob(row interface{ Scan(...any) error }) (*core.Job, error) {
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

func listJobs(rows *sql.Rows, err error) ([]*core.Job, error) {
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var out []*core.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

func (q queries) JobGet(ctx context.Context, scope core.Scope, id string) (*core.Job, error) {
	row := q.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ? AND account = ? AND region = ?`,
		id, scope.Account, scope.Region)
	return scanJob(row)
}

func (q queries) JobsOf(ctx context.Context, scope core.Scope, actionRunID string) ([]*core.Job, error) {
	rows, err := q.query(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE action_run_id = ? AND account = ? AND region = ? ORDER BY created_at, id`,
		actionRunID, scope.Account, scope.Region)
	return listJobs(rows, err)
}

func (q queries) JobByAccessKey(ctx context.Context, accessKeyID string) (*core.Job, error) {
	if accessKeyID == "" {
		return nil, store.ErrNotFound
	}
	row := q.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE access_key_id = ?`, accessKeyID)
	return scanJob(row)
}

// JobClaimOwned claims like JobClaim, over every type of one owner and scope.
func (q queries) JobClaimOwned(ctx context.Context, owner string, n int,
	now, deadline time.Time, nonce func() string) ([]*core.Job, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := q.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE owner = ? AND status = 'Queued'
		ORDER BY created_at, id LIMIT ? + 0`, owner, n)
	jobs, err := listJobs(rows, err)
	if err != nil {
		return nil, err
	}
	return q.dispatchAll(ctx, jobs, now, deadline, nonce)
}

const jobClaimWhere = `account = ? AND region = ? AND category = ? AND owner = ? AND provider = ?
	AND version = ? AND status = 'Queued'`

// JobClaim reads the jobs to hand out, then marks each Dispatched with its
// own nonce. On SQLite the immediate transaction already keeps any other
// claimer out until it commits; the "AND status = 'Queued'" guard makes
// the update safe on its own for drivers that allow concurrent writers.
func (q queries) JobClaim(ctx context.Context, scope core.Scope, typ core.ActionTypeID, query *string, n int,
	now, deadline time.Time, nonce func() string) ([]*core.Job, error) {
	if n <= 0 {
		return nil, nil
	}
	args := []any{scope.Account, scope.Region, typ.Category, typ.Owner, typ.Provider, typ.Version}
	stmt := `SELECT ` + jobColumns + ` FROM jobs WHERE ` + jobClaimWhere + ` ORDER BY created_at, id LIMIT ? + 0`
	if query != nil {
		stmt = `SELECT ` + jobColumns + ` FROM jobs WHERE ` + jobClaimWhere + ` AND query_value = ? ORDER BY created_at, id LIMIT ? + 0`
		args = append(args, *query)
	}
	rows, err := q.query(ctx, stmt, append(args, n)...)
	jobs, err := listJobs(rows, err)
	if err != nil {
		return nil, err
	}
	return q.dispatchAll(ctx, jobs, now, deadline, nonce)
}

// dispatchAll dispatches what it can of the jobs read for a claim.
func (q queries) dispatchAll(ctx context.Context, jobs []*core.Job, now, deadline time.Time, nonce func() string) ([]*core.Job, error) {
	claimed := jobs[:0]
	for _, j := range jobs {
		ok, err := q.dispatch(ctx, j, nonce(), now, deadline)
		if err != nil {
			return nil, err
		}
		if ok {
			claimed = append(claimed, j)
		}
	}
	return claimed, nil
}

// dispatch marks one Queued job Dispatched; false when it no longer was Queued.
func (q queries) dispatch(ctx context.Context, j *core.Job, nonce string, now, deadline time.Time) (bool, error) {
	j.Status, j.Nonce, j.Updated, j.Deadline = core.JobDispatched, nonce, now, deadline
	doc, err := encodeJobDoc(j)
	if err != nil {
		return false, err
	}
	res, err := q.exec(ctx, `UPDATE jobs SET status = ?, deadline = ?, doc = ? WHERE id = ? AND status = 'Queued'`,
		j.Status, millisOrZero(deadline), doc, j.ID)
	if err != nil {
		return false, interpretError(err)
	}
	changed, err := res.RowsAffected()
	return changed == 1, err
}

func (q queries) JobsExpired(ctx context.Context, now time.Time, n int) ([]*core.Job, error) {
	rows, err := q.query(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE status IN ('Dispatched', 'InProgress') AND deadline > 0 AND deadline < ?
		ORDER BY deadline, id LIMIT ? + 0`, millis(now), limit(n))
	return listJobs(rows, err)
}

// jobsLeased is the condition of jobs_lease, which the lease queries repeat
// so that SQLite uses the partial index.
const jobsLeased = `status IN ('Dispatched', 'InProgress') AND lease_expires > 0`

func (q queries) JobsLeaseExpired(ctx context.Context, now time.Time, n int) ([]*core.Job, error) {
	rows, err := q.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+jobsLeased+` AND lease_expires < ?
		ORDER BY lease_expires, id LIMIT ? + 0`, millis(now), limit(n))
	return listJobs(rows, err)
}

func (q queries) JobsLeasedBy(ctx context.Context, owner string, n int) ([]*core.Job, error) {
	rows, err := q.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+jobsLeased+` AND lease_owner = ?
		ORDER BY lease_expires, id LIMIT ? + 0`, owner, limit(n))
	return listJobs(rows, err)
}
