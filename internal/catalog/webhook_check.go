package catalog

import (
	"fmt"
	"net"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// checkWebhookFilters checks that every filter's jsonPath looks like a
// JSONPath expression (T-11). Sluice does not evaluate Jayway's full
// grammar here; it refuses what cannot be a path at all.
func checkWebhookFilters(filters []wire.WebhookFilterRule) error {
	for i, f := range filters {
		p := wire.Value(f.JsonPath)
		if !isJSONPath(p) {
			return core.Errorf(core.InvalidWebhookFilterPattern,
				"Filter %d: jsonPath '%s' is not a valid JsonPath expression", i+1, p)
		}
	}
	return nil
}

// isJSONPath reports whether p starts at the root ($) and its brackets and
// parentheses pair up outside quoted names.
func isJSONPath(p string) bool {
	if !strings.HasPrefix(p, "$") {
		return false
	}
	var open []rune
	var quote rune
	for _, r := range p {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '[' || r == '(':
			open = append(open, r)
		case r == ']' || r == ')':
			want := '['
			if r == ')' {
				want = '('
			}
			if len(open) == 0 || open[len(open)-1] != want {
				return false
			}
			open = open[:len(open)-1]
		}
	}
	return quote == 0 && len(open) == 0
}

// checkWebhookAuth checks that the authentication configuration holds
// exactly what the authentication type needs (T-12).
func checkWebhookAuth(typ wire.WebhookAuthenticationType, cfg *wire.WebhookAuthConfiguration) error {
	if cfg == nil {
		cfg = &wire.WebhookAuthConfiguration{}
	}
	secret, ipRange := cfg.SecretToken != nil, cfg.AllowedIPRange != nil
	switch typ {
	case wire.WebhookAuthenticationTypeGITHUB_HMAC:
		if !secret || ipRange {
			return webhookAuthError("GITHUB_HMAC requires SecretToken and no AllowedIPRange")
		}
	case wire.WebhookAuthenticationTypeIP:
		if !ipRange || secret {
			return webhookAuthError("IP requires AllowedIPRange and no SecretToken")
		}
		if _, _, err := net.ParseCIDR(*cfg.AllowedIPRange); err != nil {
			return webhookAuthError("AllowedIPRange must be a valid CIDR range")
		}
	case wire.WebhookAuthenticationTypeUNAUTHENTICATED:
		if secret || ipRange {
			return webhookAuthError("UNAUTHENTICATED allows neither SecretToken nor AllowedIPRange")
		}
	default:
		return webhookAuthError(fmt.Sprintf("unknown authentication type '%s'", typ))
	}
	return nil
}

func webhookAuthError(why string) error {
	return core.Errorf(core.InvalidWebhookAuthentication, "Invalid webhook authentication parameters: %s", why)
}
