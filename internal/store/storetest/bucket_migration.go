package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// ExerciseBucketMigration checks that the migration adding bucket
// ownership gives the artifact store buckets of the pipelines stored
// before it to their accounts. s is a fresh store; redo drops what that
// migration made, runs it again on s's database and returns the store
// opened again.
func ExerciseBucketMigration(t *testing.T, s store.Store, redo func(t *testing.T) store.Store) {
	ctx := context.Background()
	versions := []*core.Pipeline{
		declared(scopeA, "first", 1, 1, `"artifactStore":{"type":"S3","location":"shared"}`),
		declared(scopeB, "later", 1, 2, `"artifactStore":{"type":"S3","location":"shared"}`),
		declared(scopeB, "cross", 1, 3, `"artifactStores":{"us-east-1":{"type":"S3","location":"cross-east"},"eu-west-1":{"type":"S3","location":"cross-west"}}`),
		declared(scopeA, "moved", 1, 4, `"artifactStore":{"type":"S3","location":"old-a"}`),
		declared(scopeA, "moved", 2, 5, `"artifactStore":{"type":"S3","location":"new-a"}`),
		declared(scopeB, "logs", 1, 6, `"artifactStore":{"type":"S3","location":"sluice-logs"}`),
		declared(scopeC, "none", 1, 7, `"stages":[]`),
	}
	mustTx(t, s, func(tx store.Tx) error {
		for _, p := range versions {
			if err := storeVersion(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	s = redo(t)
	owners := map[string]string{
		"shared": scopeA.Account, "cross-east": scopeB.Account, "cross-west": scopeB.Account,
		"old-a": scopeA.Account, "new-a": scopeA.Account, "sluice-logs": store.ServerOwner,
	}
	var errs []error
	for name, account := range owners {
		got, err := s.BucketOwner(ctx, name)
		errs = append(errs, err, want("owner of "+name, got, account))
	}
	owned, err := s.BucketsOwned(ctx, scopeA.Account)
	errs = append(errs, err, want("buckets of "+scopeA.Account, owned, []string{"new-a", "old-a", "shared"}))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// declared is a pipeline version whose declaration holds members.
func declared(scope core.Scope, name string, version, sec int, members string) *core.Pipeline {
	at := t0.Add(time.Duration(sec) * time.Second)
	return &core.Pipeline{
		Scope: scope, Name: name, Version: version, PipelineType: "V1", ExecutionMode: "SUPERSEDED",
		Declaration: []byte(`{"name":"` + name + `",` + members + `}`), Created: at, Updated: at,
	}
}

func storeVersion(ctx context.Context, tx store.Tx, p *core.Pipeline) error {
	if p.Version == 1 {
		return tx.PipelineCreate(ctx, p)
	}
	return tx.PipelineAddVersion(ctx, p)
}
