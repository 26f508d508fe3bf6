package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
)

// WebhookFirer starts pipelines from calls of webhook URLs.
type WebhookFirer interface {
	// FireWebhook answers the started execution's id, or "" when the
	// webhook's filters ignored the call.
	FireWebhook(ctx context.Context, token string, remote netip.Addr, header http.Header, body []byte) (string, error)
}

// serveWebhook handles a call of a webhook URL issued by PutWebhook
// (<public-url>/webhooks/<region>/trigger?t=<token>&v=1). It is not signed
// with SigV4: the webhook's own authentication applies.
func (h *Handler) serveWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, r, h.Log, err)
		return
	}
	var remote netip.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		remote = ap.Addr()
	}
	id, err := h.Webhooks.FireWebhook(r.Context(), r.URL.Query().Get("t"), remote, r.Header, body)
	if err != nil {
		writeError(w, r, h.Log, err)
		return
	}
	out := map[string]string{}
	if id != "" {
		out["pipelineExecutionId"] = id
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
