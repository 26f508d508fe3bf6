package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Webhooks are the V1 way for GitHub and other tools to start a pipeline
// (behaviour §6.3). The definition is stored as the JSON the API accepted,
// secret token included, because checking a GITHUB_HMAC signature needs it;
// it is removed from every response (T-12).

const (
	webhookTokenKind   = "webhooks"
	webhookDefaultPage = 100
	webhookMaxPage     = 100 // MaxResults 1..100 in the model
)

// PutWebhook creates the webhook or replaces the definition of the one with
// the same name. A new webhook gets a new URL; a replaced one keeps its URL,
// registration and trigger history (T-13).
func (s *Service) PutWebhook(ctx context.Context, in *wire.PutWebhookInput) (*wire.PutWebhookOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	def := in.Webhook
	if def == nil {
		return nil, webhookNullMember("webhook")
	}
	if err := checkWebhookFilters(def.Filters); err != nil {
		return nil, err
	}
	if err := checkWebhookAuth(def.Authentication, def.AuthenticationConfiguration); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(def)
	if err != nil {
		return nil, fmt.Errorf("put webhook: encode definition: %w", err)
	}
	// The URL is drawn before the transaction, which may run more than once.
	url, err := s.newWebhookURL(sc)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var w *core.Webhook
	var tags map[string]string
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := checkWebhookTarget(ctx, tx, sc, def); err != nil {
			return err
		}
		old, err := tx.WebhookGet(ctx, sc, wire.Value(def.Name))
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := checkWebhookQuota(ctx, tx, sc); err != nil {
				return err
			}
			w = &core.Webhook{Scope: sc, Name: wire.Value(def.Name), URL: url, Created: now}
		case err != nil:
			return err
		default:
			w = old
		}
		w.Definition = doc
		if err := tx.WebhookPut(ctx, w); err != nil {
			return err
		}
		if err := putTags(ctx, tx, sc, w.ARN(), in.Tags); err != nil {
			return err
		}
		tags, err = tx.TagList(ctx, sc, w.ARN())
		return err
	})
	if err != nil {
		return nil, core.Wrap(conflict(err, "The webhook"), "put webhook %s", wire.Value(def.Name))
	}
	item, err := webhookItem(w, tags)
	if err != nil {
		return nil, err
	}
	return &wire.PutWebhookOutput{Webhook: item}, nil
}

// ListWebhooks lists the webhooks of the caller's scope by name.
func (s *Service) ListWebhooks(ctx context.Context, in *wire.ListWebhooksInput) (*wire.ListWebhooksOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	after, err := page.After(webhookTokenKind, in.NextToken)
	if err != nil {
		return nil, err
	}
	n := page.Size(in.MaxResults, webhookDefaultPage)
	if n < 1 || n > webhookMaxPage { // the API layer refuses these already
		n = webhookDefaultPage
	}
	hooks, err := s.Store.WebhookList(ctx, sc, store.Page{After: after, Limit: n + 1})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out := &wire.ListWebhooksOutput{Webhooks: make([]wire.ListWebhookItem, 0, min(n, len(hooks)))}
	if len(hooks) > n {
		hooks = hooks[:n]
		out.NextToken = page.Token(webhookTokenKind, hooks[n-1].Name)
	}
	for _, w := range hooks {
		tags, err := s.Store.TagList(ctx, sc, w.ARN())
		if err != nil {
			return nil, fmt.Errorf("list webhooks: tags of %s: %w", w.Name, err)
		}
		item, err := webhookItem(w, tags)
		if err != nil {
			return nil, err
		}
		out.Webhooks = append(out.Webhooks, *item)
	}
	return out, nil
}

// DeleteWebhook deletes a webhook and its tags; deleting an absent webhook
// succeeds (T-13).
func (s *Service) DeleteWebhook(ctx context.Context, in *wire.DeleteWebhookInput) (*wire.DeleteWebhookOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	name := wire.Value(in.Name)
	if name == "" {
		return nil, webhookNullMember("name")
	}
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.WebhookDelete(ctx, sc, name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, core.Wrap(conflict(err, "The webhook"), "delete webhook %s", name)
	}
	return &wire.DeleteWebhookOutput{}, nil
}

// RegisterWebhookWithThirdParty records that the webhook is registered with
// GitHub. Sluice cannot reach GitHub; recording it lets tools that call this
// operation work.
func (s *Service) RegisterWebhookWithThirdParty(ctx context.Context, in *wire.RegisterWebhookWithThirdPartyInput) (*wire.RegisterWebhookWithThirdPartyOutput, error) {
	if err := s.setWebhookRegistered(ctx, in.WebhookName, true); err != nil {
		return nil, err
	}
	return &wire.RegisterWebhookWithThirdPartyOutput{}, nil
}

// DeregisterWebhookWithThirdParty records that the webhook is no longer
// registered with GitHub.
func (s *Service) DeregisterWebhookWithThirdParty(ctx context.Context, in *wire.DeregisterWebhookWithThirdPartyInput) (*wire.DeregisterWebhookWithThirdPartyOutput, error) {
	if err := s.setWebhookRegistered(ctx, in.WebhookName, false); err != nil {
		return nil, err
	}
	return &wire.DeregisterWebhookWithThirdPartyOutput{}, nil
}

func (s *Service) setWebhookRegistered(ctx context.Context, name *string, registered bool) error {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return err
	}
	// webhookName is optional in the model, yet nothing can be done without it.
	if wire.Value(name) == "" {
		return webhookNullMember("webhookName")
	}
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		w, err := tx.WebhookGet(ctx, sc, *name)
		if errors.Is(err, store.ErrNotFound) {
			// The model gives this error no message member; one is sent anyway.
			return core.Errorf(core.WebhookNotFound, "Webhook '%s' was not found in account '%s'", *name, sc.Account)
		}
		if err != nil || w.Registered == registered {
			return err
		}
		w.Registered = registered
		return tx.WebhookPut(ctx, w)
	})
	return core.Wrap(err, "set registration of webhook %s", *name)
}

// checkWebhookTarget checks that the target pipeline exists in the scope
// and that the target action is in its first stage (T-10).
func checkWebhookTarget(ctx context.Context, tx store.Tx, sc core.Scope, def *wire.WebhookDefinition) error {
	name, action := wire.Value(def.TargetPipeline), wire.Value(def.TargetAction)
	p, err := tx.PipelineGet(ctx, sc, name, 0)
	if errors.Is(err, store.ErrNotFound) {
		return pipelineNotFound(sc, name)
	}
	if err != nil {
		return err
	}
	decl, err := declaration(p)
	if err != nil {
		return err
	}
	if len(decl.Stages) > 0 {
		for _, a := range decl.Stages[0].Actions {
			if wire.Value(a.Name) == action {
				return nil
			}
		}
	}
	return core.Errorf(core.Validation,
		"Webhook target action '%s' is not an action of the first stage of pipeline '%s'", action, name)
}

// checkWebhookQuota refuses a new webhook when the scope has the most it
// may have (T-13, behaviour §11).
func checkWebhookQuota(ctx context.Context, tx store.Tx, sc core.Scope) error {
	hooks, err := tx.WebhookList(ctx, sc, store.Page{Limit: maxWebhooks})
	if err != nil {
		return err
	}
	if len(hooks) >= maxWebhooks {
		return core.Errorf(core.LimitExceeded, "The account has reached the limit of %d webhooks", maxWebhooks)
	}
	return nil
}

// newWebhookURL draws a fresh, unguessable URL for a webhook.
func (s *Service) newWebhookURL(sc core.Scope) (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook url: %w", err)
	}
	return fmt.Sprintf("%s/webhooks/%s/trigger?t=%s&v=1",
		strings.TrimSuffix(s.PublicURL, "/"), sc.Region, hex.EncodeToString(b[:])), nil
}

// webhookItem renders a stored webhook for PutWebhook and ListWebhooks,
// without its secret token (T-12).
func webhookItem(w *core.Webhook, tags map[string]string) (*wire.ListWebhookItem, error) {
	var def wire.WebhookDefinition
	if err := json.Unmarshal(w.Definition, &def); err != nil {
		return nil, fmt.Errorf("decode webhook %s: %w", w.Name, err)
	}
	auth := wire.WebhookAuthConfiguration{}
	if def.AuthenticationConfiguration != nil {
		auth.AllowedIPRange = def.AuthenticationConfiguration.AllowedIPRange
	}
	def.AuthenticationConfiguration = &auth
	item := &wire.ListWebhookItem{
		Definition: &def,
		Url:        wire.Ptr(w.URL),
		Arn:        wire.Ptr(w.ARN()),
		Tags:       tagsOut(tags),
	}
	if !w.LastTriggered.IsZero() {
		item.LastTriggered = wire.NewTime(w.LastTriggered)
	}
	if w.ErrorCode != "" {
		item.ErrorCode = wire.Ptr(w.ErrorCode)
	}
	if w.ErrorMessage != "" {
		item.ErrorMessage = wire.Ptr(w.ErrorMessage)
	}
	return item, nil
}

// webhookNullMember is the ValidationException of a member the request
// needs, in AWS's wording of model violations.
func webhookNullMember(name string) error {
	return core.Errorf(core.Validation,
		"1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)
}
