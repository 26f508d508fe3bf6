package catalog

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Tagging: pipelines, custom action types and webhooks carry up to maxTags
// tags, stored by the resource's ARN. A resource ARN names the caller's own
// scope; one of another account or region is reported as not found, so that
// nobody learns what another account holds.
const (
	tagsToken        = "tags"
	tagsPageSize     = 100
	reservedTagStart = "aws:"
	arnPrefix        = "arn:aws:codepipeline:"
	actionTypePrefix = "actiontype:"
	webhookPrefix    = "webhook:"
)

// TagResource adds tags to a resource or changes the values of its tags.
func (s *Service) TagResource(ctx context.Context, in *wire.TagResourceInput) (*wire.TagResourceOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.changeTags(ctx, in.ResourceArn, func(tx store.Tx, sc core.Scope, arn string) error {
		return putTags(ctx, tx, sc, arn, in.Tags)
	})
	if err != nil {
		return nil, core.Wrap(err, "tag resource")
	}
	return &wire.TagResourceOutput{}, nil
}

// UntagResource removes tags from a resource; keys it does not have are
// ignored.
func (s *Service) UntagResource(ctx context.Context, in *wire.UntagResourceInput) (*wire.UntagResourceOutput, error) {
	for _, k := range in.TagKeys {
		if isReservedTagKey(k) {
			return nil, reservedTagError(k)
		}
	}
	err := s.changeTags(ctx, in.ResourceArn, func(tx store.Tx, sc core.Scope, arn string) error {
		return tx.TagDelete(ctx, sc, arn, in.TagKeys)
	})
	if err != nil {
		return nil, core.Wrap(err, "untag resource")
	}
	return &wire.UntagResourceOutput{}, nil
}

// changeTags runs change in one transaction once the resource an ARN
// names is known to exist in the caller's scope.
func (s *Service) changeTags(ctx context.Context, resourceArn *string, change func(tx store.Tx, sc core.Scope, arn string) error) error {
	sc, resource, err := resourceOf(ctx, resourceArn)
	if err != nil {
		return err
	}
	arn := wire.Value(resourceArn)
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := checkResource(ctx, tx, sc, arn, resource); err != nil {
			return err
		}
		return change(tx, sc, sc.ARN(resource))
	})
	return conflict(err, "The resource")
}

// resourceOf returns the caller's scope and the resource its ARN names.
func resourceOf(ctx context.Context, arn *string) (core.Scope, string, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return sc, "", err
	}
	resource, err := parseResourceARN(wire.Value(arn), sc)
	return sc, resource, err
}

// ListTagsForResource lists the tags of a resource ordered by key, at most
// maxResults (default tagsPageSize) per page.
func (s *Service) ListTagsForResource(ctx context.Context, in *wire.ListTagsForResourceInput) (*wire.ListTagsForResourceOutput, error) {
	sc, resource, err := resourceOf(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	arn := wire.Value(in.ResourceArn)
	after, err := page.After(tagsToken, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := page.Size(in.MaxResults, tagsPageSize) // the model bounds it to 1..100
	if err := checkResource(ctx, s.Store, sc, arn, resource); err != nil {
		return nil, core.Wrap(err, "list tags")
	}
	m, err := s.Store.TagList(ctx, sc, sc.ARN(resource))
	if err != nil {
		return nil, core.Wrap(err, "list tags")
	}
	all := tagsOut(m)
	start := len(all)
	if i := slices.IndexFunc(all, func(t wire.Tag) bool { return wire.Value(t.Key) > after }); i >= 0 {
		start = i
	}
	end := min(start+size, len(all))
	out := &wire.ListTagsForResourceOutput{Tags: append([]wire.Tag{}, all[start:end]...)}
	if end < len(all) {
		out.NextToken = page.Token(tagsToken, wire.Value(all[end-1].Key))
	}
	return out, nil
}

// parseResourceARN returns the resource part of a CodePipeline ARN of the
// caller's scope: InvalidArnException when it is not such an ARN at all,
// ResourceNotFoundException when it is another scope's.
func parseResourceARN(arn string, sc core.Scope) (string, error) {
	rest, ok := strings.CutPrefix(arn, arnPrefix)
	parts := strings.SplitN(rest, ":", 3)
	if !ok || len(parts) != 3 || parts[0] == "" || !isAccountID(parts[1]) || parts[2] == "" {
		return "", core.Errorf(core.InvalidArn, "The ARN was not in valid format")
	}
	if parts[0] != sc.Region || parts[1] != sc.Account {
		return "", resourceNotFound(arn)
	}
	return parts[2], nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkResource reports ResourceNotFoundException unless resource names a
// pipeline, a live custom action type or a webhook of the scope. arn is the
// ARN as the caller wrote it, for the message.
func checkResource(ctx context.Context, r store.Reader, sc core.Scope, arn, resource string) error {
	var err error
	switch {
	case strings.HasPrefix(resource, actionTypePrefix):
		id, ok := parseActionTypeResource(strings.TrimPrefix(resource, actionTypePrefix))
		if !ok {
			return resourceNotFound(arn)
		}
		var t *core.ActionType
		t, err = r.ActionTypeGet(ctx, sc, id)
		if err == nil && t.Deleted {
			err = store.ErrNotFound
		}
	case strings.HasPrefix(resource, webhookPrefix):
		_, err = r.WebhookGet(ctx, sc, strings.TrimPrefix(resource, webhookPrefix))
	default:
		_, err = r.PipelineGet(ctx, sc, resource, 0)
	}
	if errors.Is(err, store.ErrNotFound) {
		return resourceNotFound(arn)
	}
	return err
}

// parseActionTypeResource reads Custom/<Category>/<Provider>/<Version>; only
// custom types are resources that carry tags.
func parseActionTypeResource(s string) (core.ActionTypeID, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 4 || parts[0] != ownerCustom || slices.Contains(parts, "") {
		return core.ActionTypeID{}, false
	}
	return core.ActionTypeID{Owner: parts[0], Category: parts[1], Provider: parts[2], Version: parts[3]}, true
}

func resourceNotFound(arn string) error {
	return core.Errorf(core.ResourceNotFound, "The resource with the ARN %s was not found", arn)
}

// checkTags applies the tag rules of a request that adds tags: no key in
// the reserved aws: namespace, no key twice, at most maxTags in all. Whether
// the resource ends up with more than maxTags is for putTags to check.
func checkTags(tags []wire.Tag) error {
	if len(tags) > maxTags {
		return tooManyTags()
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := wire.Value(t.Key)
		if k == "" {
			return core.Errorf(core.InvalidTags, "Tag keys must not be empty")
		}
		if isReservedTagKey(k) {
			return reservedTagError(k)
		}
		if seen[k] {
			return core.Errorf(core.InvalidTags, "Tag keys must be unique, but '%s' occurs more than once", k)
		}
		seen[k] = true
	}
	return nil
}

// isReservedTagKey reports keys of the aws: namespace, which AWS reserves
// for its own tags in any letter case.
func isReservedTagKey(k string) bool {
	return len(k) >= len(reservedTagStart) && strings.EqualFold(k[:len(reservedTagStart)], reservedTagStart)
}

func reservedTagError(k string) error {
	return core.Errorf(core.InvalidTags,
		"Tag key '%s' is not allowed: keys that begin with '%s' are reserved for AWS", k, reservedTagStart)
}

func tooManyTags() error {
	return core.Errorf(core.TooManyTags, "A resource can have at most %d tags", maxTags)
}

// putTags adds tags, which passed checkTags, to those the resource has in
// tx, refusing the change when the resource would have more than maxTags.
func putTags(ctx context.Context, tx store.Tx, sc core.Scope, arn string, tags []wire.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	have, err := tx.TagList(ctx, sc, arn)
	if err != nil {
		return err
	}
	add := tagsIn(tags)
	n := len(have)
	for k := range add {
		if _, ok := have[k]; !ok {
			n++
		}
	}
	if n > maxTags {
		return core.Errorf(core.TooManyTags,
			"A resource can have at most %d tags, and this request would leave it with %d", maxTags, n)
	}
	return tx.TagPut(ctx, sc, arn, add)
}

// tagsOut returns stored tags in the wire shape, ordered by key; nil when
// there are none, so an output's tags member is left out.
func tagsOut(m map[string]string) []wire.Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]wire.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, wire.Tag{Key: wire.Ptr(k), Value: wire.Ptr(m[k])})
	}
	return out
}
