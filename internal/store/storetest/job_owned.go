package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

var (
	typeS3    = core.ActionTypeID{Category: "Source", Owner: "AWS", Provider: "S3", Version: "1"}
	typeBuild = core.ActionTypeID{Category: "Build", Owner: "AWS", Provider: "CodeBuild", Version: "1"}
)

// exerciseJobOwned covers the embedded worker's claim across scopes and
// the lookup of a job by its artifact credentials.
func exerciseJobOwned(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	jobs := []*core.Job{
		job(scopeA, "a", typeS3, "", 2), job(scopeB, "b", typeBuild, "", 1), job(scopeC, "c", typeS3, "", 3),
		job(scopeA, "custom", typeMake, "", 0),
	}
	jobs[0].AccessKeyID, jobs[0].CredentialsExpire = "ASIAKEYA", t0.Add(time.Hour)
	mustTx(t, s, func(tx store.Tx) error {
		for _, j := range jobs {
			if err := tx.JobPut(ctx, j); err != nil {
				return err
			}
		}
		return nil
	})
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.JobByAccessKey(ctx, "ASIAKEYA")
		if err != nil {
			return err
		}
		return errors.Join(want("job by key", got, jobs[0]),
			wantNotFound("unknown key")(r.JobByAccessKey(ctx, "ASIANONE")),
			wantNotFound("empty key")(r.JobByAccessKey(ctx, "")))
	})
	nonces := 0
	nonce := func() string { nonces++; return fmt.Sprintf("n%d", nonces) }
	claim := func(limit int) string {
		t.Helper()
		var got []*core.Job
		mustTx(t, s, func(tx store.Tx) (err error) {
			got, err = tx.JobClaimOwned(ctx, "AWS", limit, t0, t0.Add(time.Minute), nonce)
			return err
		})
		for _, j := range got {
			if j.Status != core.JobDispatched || j.Nonce == "" {
				t.Fatalf("claimed job = %+v", j)
			}
		}
		return keys(got, jobID)
	}
	if got := claim(2); got != "b,a" {
		t.Fatalf("first claim = %q, want b,a (oldest first, any scope)", got)
	}
	if got := claim(10); got != "c" {
		t.Fatalf("second claim = %q, want c (custom jobs are not the owner's)", got)
	}
	if got := claim(10); got != "" {
		t.Fatalf("third claim = %q, want none", got)
	}
}
