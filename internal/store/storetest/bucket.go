package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/sluice-cd/sluice/internal/store"
)

// exerciseBucket covers bucket ownership: claims, their conflicts across
// accounts, release, and the server's own bucket the migrations reserve.
func exerciseBucket(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	a, b := scopeA.Account, scopeB.Account
	claim := func(name, account string) error {
		return inTx(t, s, func(tx store.Tx) error { return tx.BucketClaim(ctx, name, account, t0) })
	}
	for _, name := range []string{"b-art", "a-src", "c-dst"} {
		if err := claim(name, a); err != nil {
			t.Fatalf("claim %s: %v", name, err)
		}
	}
	if err := claim("a-src", a); err != nil {
		t.Fatalf("claiming one's own bucket again: %v", err)
	}
	wantErr(t, claim("a-src", b), store.ErrConflict)
	wantErr(t, claim("sluice-logs", a), store.ErrConflict)
	onBoth(t, s, func(r store.Reader) error {
		owner, err := r.BucketOwner(ctx, "a-src")
		logs, errLogs := r.BucketOwner(ctx, "sluice-logs")
		mine, errMine := r.BucketsOwned(ctx, a)
		theirs, errTheirs := r.BucketsOwned(ctx, b)
		_, errNone := r.BucketOwner(ctx, "nobodys")
		return errors.Join(err, errLogs, errMine, errTheirs,
			want("owner", owner, a), want("log bucket owner", logs, store.ServerOwner),
			want("owned by A", mine, []string{"a-src", "b-art", "c-dst"}),
			want("owned by B", len(theirs), 0),
			wantNotFound("unowned bucket")(nil, errNone))
	})

	// Only the owner's release ends a claim; then another account may claim.
	mustTx(t, s, func(tx store.Tx) error { return tx.BucketRelease(ctx, "a-src", b) })
	wantErr(t, claim("a-src", b), store.ErrConflict)
	mustTx(t, s, func(tx store.Tx) error { return tx.BucketRelease(ctx, "a-src", a) })
	mustTx(t, s, func(tx store.Tx) error { return tx.BucketRelease(ctx, "a-src", a) }) // released already
	if err := claim("a-src", b); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	if owner, err := s.BucketOwner(ctx, "a-src"); err != nil || owner != b {
		t.Fatalf("owner after release and claim = %q, %v; want %s", owner, err, b)
	}

	// A claim rolls back with its transaction.
	boom := errors.New("boom")
	err := inTx(t, s, func(tx store.Tx) error {
		if err := tx.BucketClaim(ctx, "rolled-back", a, t0); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom)
	_, err = s.BucketOwner(ctx, "rolled-back")
	wantErr(t, err, store.ErrNotFound)
	exerciseBucketRace(t, s)
}

// exerciseBucketRace: accounts claiming one name at once; exactly one
// owns it, every other account conflicts.
func exerciseBucketRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	accounts := []string{"111111111111", "222222222222", "333333333333", "444444444444", "555555555555", "666666666666"}
	errs := make([]error, len(accounts))
	var wg sync.WaitGroup
	for i, acct := range accounts {
		wg.Go(func() {
			errs[i] = s.InTx(ctx, func(tx store.Tx) error { return tx.BucketClaim(ctx, "race", acct, t0) })
		})
	}
	wg.Wait()
	owner, err := s.BucketOwner(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		switch {
		case accounts[i] == owner && err != nil:
			t.Fatalf("the owner's claim failed: %v", err)
		case accounts[i] != owner && !errors.Is(err, store.ErrConflict):
			t.Fatalf("claim of %s = %v, want a conflict (owner %s)", accounts[i], err, owner)
		}
	}
}
