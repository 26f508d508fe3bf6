package engine

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"net/http"
	"net/netip"
	"regexp"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// A call of a webhook URL (T-10 to T-13): the caller is authenticated as
// the webhook says, the body must match every filter, and then the target
// pipeline starts with trigger Webhook and the webhook's ARN as detail.

var webhookToken = regexp.MustCompile(`^[0-9a-f]{16,64}$`)

// FireWebhook handles one call; it answers the started execution's id, or
// "" when the filters did not match (the call is then ignored, T-11).
func (e *Engine) FireWebhook(ctx context.Context, token string, remote netip.Addr, header http.Header, body []byte) (string, error) {
	if !webhookToken.MatchString(token) {
		return "", core.Errorf(core.WebhookNotFound, "No webhook has this URL")
	}
	var id string
	err := e.inTx(ctx, func(tx store.Tx, fx *effects) error {
		id = ""
		w, def, err := lockWebhook(ctx, tx, token)
		if err != nil {
			return err
		}
		if err := authenticate(def, remote, header, body); err != nil {
			return err
		}
		p, d, err := pipeline(ctx, tx, w.Scope, wire.Value(def.TargetPipeline), 0)
		if err != nil {
			return err
		}
		ok, err := filtersMatch(def, d, body)
		if err != nil || !ok {
			return err
		}
		ex := e.newExecution(p, d, trigger{wire.TriggerTypeWebhook, w.ARN()})
		id = ex.ID
		w.LastTriggered = e.now()
		if err := tx.WebhookPut(ctx, w); err != nil {
			return err
		}
		return e.launch(ctx, tx, fx, ex)
	})
	return id, err
}

// lockWebhook finds the webhook of a URL token, locks its target pipeline
// and reads the webhook again, so that the pipeline version started is the
// latest under the lock and the webhook written back (with its last call)
// is as fresh as it can be. The catalog changes webhooks without the
// pipeline's lock: a change committed after the second read is still
// overwritten.
func lockWebhook(ctx context.Context, tx store.Tx, token string) (*core.Webhook, *wire.WebhookDefinition, error) {
	w, def, err := webhookOf(ctx, tx, token)
	if err != nil {
		return nil, nil, err
	}
	target := wire.Value(def.TargetPipeline)
	if err := tx.PipelineLock(ctx, w.Scope, target); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	w, def, err = webhookOf(ctx, tx, token)
	if err == nil && wire.Value(def.TargetPipeline) != target {
		return nil, nil, core.Errorf(core.ConcurrentModification, "The webhook was changed while it was called; call it again")
	}
	return w, def, err
}

// webhookOf reads the webhook of a URL token and its definition.
func webhookOf(ctx context.Context, r store.Reader, token string) (*core.Webhook, *wire.WebhookDefinition, error) {
	w, err := r.WebhookByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, core.Errorf(core.WebhookNotFound, "No webhook has this URL")
	}
	if err != nil {
		return nil, nil, err
	}
	var def wire.WebhookDefinition
	if err := json.Unmarshal(w.Definition, &def); err != nil {
		return nil, nil, err
	}
	return w, &def, nil
}

// authenticate applies the webhook's authentication (T-12).
func authenticate(def *wire.WebhookDefinition, remote netip.Addr, header http.Header, body []byte) error {
	cfg := def.AuthenticationConfiguration
	if cfg == nil {
		cfg = &wire.WebhookAuthConfiguration{}
	}
	switch def.Authentication {
	case wire.WebhookAuthenticationTypeUNAUTHENTICATED:
		return nil
	case wire.WebhookAuthenticationTypeIP:
		prefix, err := netip.ParsePrefix(wire.Value(cfg.AllowedIPRange))
		if err == nil && prefix.Contains(remote.Unmap()) {
			return nil
		}
		return core.Errorf(core.AccessDenied, "The caller's address is not in the webhook's allowed range")
	case wire.WebhookAuthenticationTypeGITHUB_HMAC:
		if githubSignatureOK(wire.Value(cfg.SecretToken), header, body) {
			return nil
		}
		return core.Errorf(core.AccessDenied, "The request signature does not match the webhook's secret")
	}
	return core.Errorf(core.AccessDenied, "The webhook's authentication %q is not known", def.Authentication)
}

// githubSignatureOK checks X-Hub-Signature-256 (or the older SHA-1
// X-Hub-Signature) as GitHub computes it: an HMAC of the body.
func githubSignatureOK(secret string, header http.Header, body []byte) bool {
	check := func(value, prefix string, h func() hash.Hash) bool {
		got, ok := strings.CutPrefix(value, prefix)
		if !ok || secret == "" {
			return false
		}
		sum, err := hex.DecodeString(got)
		if err != nil {
			return false
		}
		mac := hmac.New(h, []byte(secret))
		mac.Write(body)
		return hmac.Equal(sum, mac.Sum(nil))
	}
	if v := header.Get("X-Hub-Signature-256"); v != "" {
		return check(v, "sha256=", sha256.New)
	}
	return check(header.Get("X-Hub-Signature"), "sha1=", sha1.New)
}

// filtersMatch tells whether every filter rule matches the body (T-11).
// matchEquals may name the target action's configuration as {Key}.
func filtersMatch(def *wire.WebhookDefinition, d *wire.PipelineDeclaration, body []byte) (bool, error) {
	if len(def.Filters) == 0 {
		return true, nil
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return false, nil // a body that is not JSON matches no filter
	}
	var config map[string]string
	if a, err := findAction(d, 0, wire.Value(def.TargetAction)); err == nil {
		config = a.Configuration
	}
	for _, f := range def.Filters {
		want := wire.Value(f.MatchEquals)
		for k, v := range config {
			want = strings.ReplaceAll(want, "{"+k+"}", v)
		}
		got, ok := jsonPath(doc, wire.Value(f.JsonPath))
		if !ok || got != want {
			return false, nil
		}
	}
	return true, nil
}

var pathStep = regexp.MustCompile(`^(?:\.([A-Za-z0-9_\-]+)|\['([^']*)'\]|\[(\d+)\])`)

// jsonPath evaluates the definite subset of JsonPath webhook filters use:
// $, .name, ['name'] and [index], and renders the value as text.
func jsonPath(doc any, path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "$")
	if !ok {
		return "", false
	}
	cur := doc
	for rest != "" {
		m := pathStep.FindStringSubmatch(rest)
		if m == nil {
			return "", false
		}
		rest = rest[len(m[0]):]
		switch {
		case m[1] != "" || m[2] != "":
			obj, ok := cur.(map[string]any)
			if !ok {
				return "", false
			}
			if cur, ok = obj[m[1]+m[2]]; !ok {
				return "", false
			}
		default:
			arr, ok := cur.([]any)
			i := 0
			for _, c := range m[3] {
				i = i*10 + int(c-'0')
			}
			if !ok || i >= len(arr) {
				return "", false
			}
			cur = arr[i]
		}
	}
	if s, ok := cur.(string); ok {
		return s, true
	}
	raw, err := json.Marshal(cur)
	return string(raw), err == nil
}
