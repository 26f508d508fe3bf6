// Package storetest is the conformance suite of the storage seam. Every
// driver runs Exercise against a fresh store; a change to a driver's
// behaviour comes with a change here so all drivers keep agreeing.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// Exercise runs the whole suite. newStore returns an empty store that the
// suite may use until the test ends.
func Exercise(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Pipeline", func(t *testing.T) { t.Parallel(); exercisePipeline(t, newStore) })
	t.Run("ActionType", func(t *testing.T) { t.Parallel(); exerciseActionType(t, newStore) })
	t.Run("Tag", func(t *testing.T) { t.Parallel(); exerciseTag(t, newStore) })
	t.Run("Webhook", func(t *testing.T) { t.Parallel(); exerciseWebhook(t, newStore) })
	t.Run("Tx", func(t *testing.T) { t.Parallel(); exerciseTx(t, newStore) })
	t.Run("Executions", func(t *testing.T) { t.Parallel(); exerciseExecutions(t, newStore) })
	t.Run("Bucket", func(t *testing.T) { t.Parallel(); exerciseBucket(t, newStore) })
}

var (
	scopeA = core.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = core.Scope{Account: "222222222222", Region: "us-east-1"}
	scopeC = core.Scope{Account: "111111111111", Region: "eu-west-1"}
	t0     = time.UnixMilli(1_700_000_000_123).UTC()
)

func inTx(t *testing.T, s store.Store, fn func(tx store.Tx) error) error {
	t.Helper()
	return s.InTx(context.Background(), fn)
}

func mustTx(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := inTx(t, s, fn); err != nil {
		t.Fatalf("transaction: %v", err)
	}
}

func pipeline(scope core.Scope, name string, version int) *core.Pipeline {
	at := t0.Add(time.Duration(version) * time.Second)
	return &core.Pipeline{
		Scope: scope, Name: name, Version: version, PipelineType: "V2", ExecutionMode: "QUEUED",
		Declaration: []byte(fmt.Sprintf(`{"name":%q,"version":%d}`, name, version)),
		Created:     t0, Updated: at,
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func exercisePipeline(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineCreate(ctx, pipeline(scopeA, "p", 1)) })

	// The same name in another account or region is another pipeline.
	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineCreate(ctx, pipeline(scopeB, "p", 1)) })
	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineCreate(ctx, pipeline(scopeC, "p", 1)) })
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.PipelineCreate(ctx, pipeline(scopeA, "p", 1)) }), store.ErrConflict)

	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineAddVersion(ctx, pipeline(scopeA, "p", 2)) })
	// A stale version is a conflict; an absent pipeline is not found.
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.PipelineAddVersion(ctx, pipeline(scopeA, "p", 2)) }), store.ErrConflict)
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.PipelineAddVersion(ctx, pipeline(scopeA, "nope", 2)) }), store.ErrNotFound)

	latest, err := s.PipelineGet(ctx, scopeA, "p", 0)
	if err != nil || latest.Version != 2 || string(latest.Declaration) != `{"name":"p","version":2}` ||
		!latest.Created.Equal(t0) || !latest.Updated.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("latest = %+v, %v", latest, err)
	}
	first, err := s.PipelineGet(ctx, scopeA, "p", 1)
	if err != nil || first.Version != 1 || !first.Updated.Equal(t0.Add(time.Second)) {
		t.Fatalf("version 1 = %+v, %v", first, err)
	}
	_, err = s.PipelineGet(ctx, scopeA, "p", 3)
	wantErr(t, err, store.ErrNotFound)
	other, err := s.PipelineGet(ctx, scopeB, "p", 0)
	if err != nil || other.Version != 1 {
		t.Fatalf("other scope = %+v, %v", other, err)
	}

	for _, name := range []string{"c", "a", "b"} {
		mustTx(t, s, func(tx store.Tx) error { return tx.PipelineCreate(ctx, pipeline(scopeA, name, 1)) })
	}
	page, err := s.PipelineList(ctx, scopeA, store.Page{Limit: 2})
	if err != nil || len(page) != 2 || page[0].Name != "a" || page[1].Name != "b" {
		t.Fatalf("first page = %v, %v", page, err)
	}
	page, err = s.PipelineList(ctx, scopeA, store.Page{After: "b", Limit: 10})
	if err != nil || len(page) != 2 || page[0].Name != "c" || page[1].Name != "p" || page[1].Version != 2 {
		t.Fatalf("second page = %v, %v", page, err)
	}
	if n, err := s.PipelineCount(ctx, scopeA); err != nil || n != 4 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if scopes, err := s.PipelineScopes(ctx); err != nil || !reflect.DeepEqual(scopes, []core.Scope{scopeC, scopeA, scopeB}) {
		t.Fatalf("scopes = %v, %v; want %v, %v and %v (by account, then region)", scopes, err, scopeC, scopeA, scopeB)
	}

	mustTx(t, s, func(tx store.Tx) error { return tx.TagPut(ctx, scopeA, scopeA.ARN("p"), map[string]string{"k": "v"}) })
	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineDelete(ctx, scopeA, "p") })
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.PipelineDelete(ctx, scopeA, "p") }), store.ErrNotFound)
	_, err = s.PipelineGet(ctx, scopeA, "p", 1)
	wantErr(t, err, store.ErrNotFound)
	if tags, err := s.TagList(ctx, scopeA, scopeA.ARN("p")); err != nil || len(tags) != 0 {
		t.Fatalf("tags after delete = %v, %v", tags, err)
	}
	// A recreated pipeline starts again at version 1.
	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineCreate(ctx, pipeline(scopeA, "p", 1)) })
	if p, err := s.PipelineGet(ctx, scopeA, "p", 0); err != nil || p.Version != 1 {
		t.Fatalf("recreated = %+v, %v", p, err)
	}
}

func exerciseActionType(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	id := core.ActionTypeID{Category: "Build", Owner: "Custom", Provider: "MyBuild", Version: "1"}
	at := &core.ActionType{Scope: scopeA, ID: id, Definition: []byte(`{"a":1}`), Created: t0, Updated: t0}
	mustTx(t, s, func(tx store.Tx) error { return tx.ActionTypeCreate(ctx, at) })
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ActionTypeCreate(ctx, at) }), store.ErrConflict)

	_, err := s.ActionTypeGet(ctx, scopeB, id)
	wantErr(t, err, store.ErrNotFound)
	at.Definition, at.Updated = []byte(`{"a":2}`), t0.Add(time.Minute)
	mustTx(t, s, func(tx store.Tx) error { return tx.ActionTypeUpdate(ctx, at) })
	got, err := s.ActionTypeGet(ctx, scopeA, id)
	if err != nil || string(got.Definition) != `{"a":2}` || got.Deleted || !got.Updated.Equal(t0.Add(time.Minute)) {
		t.Fatalf("get = %+v, %v", got, err)
	}

	mustTx(t, s, func(tx store.Tx) error { return tx.ActionTypeMarkDeleted(ctx, scopeA, id, t0) })
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ActionTypeMarkDeleted(ctx, scopeA, id, t0) }), store.ErrNotFound)
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ActionTypeUpdate(ctx, at) }), store.ErrNotFound)
	// A deleted id stays taken.
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ActionTypeCreate(ctx, at) }), store.ErrConflict)
	got, err = s.ActionTypeGet(ctx, scopeA, id)
	if err != nil || !got.Deleted {
		t.Fatalf("deleted = %+v, %v", got, err)
	}
	mustTx(t, s, func(tx store.Tx) error { return tx.ActionTypeRestore(ctx, scopeA, id, t0) })
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ActionTypeRestore(ctx, scopeA, id, t0) }), store.ErrNotFound)
	if got, err := s.ActionTypeGet(ctx, scopeA, id); err != nil || got.Deleted {
		t.Fatalf("restored = %+v, %v", got, err)
	}
	mustTx(t, s, func(tx store.Tx) error { return tx.ActionTypeMarkDeleted(ctx, scopeA, id, t0) })

	id2 := id
	id2.Version = "2"
	mustTx(t, s, func(tx store.Tx) error {
		return tx.ActionTypeCreate(ctx, &core.ActionType{Scope: scopeA, ID: id2, Definition: []byte(`{}`), Created: t0, Updated: t0})
	})
	list, err := s.ActionTypeList(ctx, scopeA)
	if err != nil || len(list) != 2 || list[0].ID != id || list[1].ID != id2 {
		t.Fatalf("list = %v, %v", list, err)
	}
	if list, err := s.ActionTypeList(ctx, scopeC); err != nil || len(list) != 0 {
		t.Fatalf("other region list = %v, %v", list, err)
	}
}

func exerciseTag(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	arn := scopeA.ARN("p")
	mustTx(t, s, func(tx store.Tx) error { return tx.TagPut(ctx, scopeA, arn, map[string]string{"a": "1", "b": "2"}) })
	mustTx(t, s, func(tx store.Tx) error { return tx.TagPut(ctx, scopeA, arn, map[string]string{"b": "3", "c": ""}) })
	mustTx(t, s, func(tx store.Tx) error { return tx.TagDelete(ctx, scopeA, arn, []string{"a", "zz"}) })
	tags, err := s.TagList(ctx, scopeA, arn)
	if err != nil || len(tags) != 2 || tags["b"] != "3" || tags["c"] != "" {
		t.Fatalf("tags = %v, %v", tags, err)
	}
	if tags, err := s.TagList(ctx, scopeB, arn); err != nil || len(tags) != 0 {
		t.Fatalf("other scope tags = %v, %v", tags, err)
	}
}

func exerciseWebhook(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	w := &core.Webhook{Scope: scopeA, Name: "w", Definition: []byte(`{}`), URL: "http://x/1", Created: t0}
	mustTx(t, s, func(tx store.Tx) error { return tx.WebhookPut(ctx, w) })
	w.URL, w.Registered, w.LastTriggered = "http://x/2", true, t0.Add(time.Hour)
	mustTx(t, s, func(tx store.Tx) error { return tx.WebhookPut(ctx, w) })
	got, err := s.WebhookGet(ctx, scopeA, "w")
	if err != nil || got.URL != "http://x/2" || !got.Registered || !got.LastTriggered.Equal(t0.Add(time.Hour)) || !got.Created.Equal(t0) {
		t.Fatalf("get = %+v, %v", got, err)
	}
	_, err = s.WebhookGet(ctx, scopeB, "w")
	wantErr(t, err, store.ErrNotFound)
	mustTx(t, s, func(tx store.Tx) error {
		return tx.WebhookPut(ctx, &core.Webhook{Scope: scopeA, Name: "a", Definition: []byte(`{}`), Created: t0})
	})
	list, err := s.WebhookList(ctx, scopeA, store.Page{Limit: 1})
	if err != nil || len(list) != 1 || list[0].Name != "a" || !list[0].LastTriggered.IsZero() {
		t.Fatalf("list = %v, %v", list, err)
	}
	list, err = s.WebhookList(ctx, scopeA, store.Page{After: "a", Limit: 5})
	if err != nil || len(list) != 1 || list[0].Name != "w" {
		t.Fatalf("list after = %v, %v", list, err)
	}
	mustTx(t, s, func(tx store.Tx) error {
		return tx.WebhookPut(ctx, &core.Webhook{Scope: scopeB, Name: "b", Definition: []byte(`{}`),
			URL: "http://x/webhooks/r/trigger?t=abc123&v=1", Created: t0})
	})
	byToken, err := s.WebhookByToken(ctx, "abc123")
	if err != nil || byToken.Name != "b" || byToken.Scope != scopeB {
		t.Fatalf("by token = %+v, %v", byToken, err)
	}
	for _, token := range []string{"abc12", "bc123", "%", "abc_23"} {
		_, err = s.WebhookByToken(ctx, token)
		wantErr(t, err, store.ErrNotFound)
	}
	mustTx(t, s, func(tx store.Tx) error { return tx.WebhookDelete(ctx, scopeA, "w") })
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.WebhookDelete(ctx, scopeA, "w") }), store.ErrNotFound)
}

func exerciseTx(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	boom := errors.New("boom")
	err := inTx(t, s, func(tx store.Tx) error {
		if err := tx.PipelineCreate(ctx, pipeline(scopeA, "rolled-back", 1)); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom)
	_, err = s.PipelineGet(ctx, scopeA, "rolled-back", 0)
	wantErr(t, err, store.ErrNotFound)

	// Concurrent creators of one name: exactly one wins, the rest conflict.
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.InTx(ctx, func(tx store.Tx) error { return tx.PipelineCreate(ctx, pipeline(scopeA, "race", 1)) })
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("racing create: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d creators won, want 1", wins)
	}
}
