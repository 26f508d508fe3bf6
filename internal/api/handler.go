package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/sigv4"
	"github.com/sluice-cd/sluice/internal/wire"
)

const (
	contentType  = "application/x-amz-json-1.1"
	targetHeader = "X-Amz-Target"
	targetPrefix = "CodePipeline_20150709."
	// signingName is the service name a CodePipeline signature is scoped to.
	signingName = "codepipeline"
	// MaxBodyBytes caps a request body. A pipeline declaration is the
	// largest input: 50 stages of 50 actions with their configuration.
	MaxBodyBytes = 8 << 20
)

// Operation serves one operation of the API. in is the decoded input, a
// pointer to the operation's wire input shape, already validated.
type Operation func(ctx context.Context, in wire.Validatable) (any, error)

// Op adapts a typed service method to an Operation.
func Op[I, O any](fn func(context.Context, *I) (*O, error)) Operation {
	return func(ctx context.Context, in wire.Validatable) (any, error) {
		typed, ok := any(in).(*I)
		if !ok {
			return nil, fmt.Errorf("operation input is %T", in)
		}
		return fn(ctx, typed)
	}
}

// Handler serves the CodePipeline API and the health check.
type Handler struct {
	Verifier   *sigv4.Verifier
	Operations map[string]Operation
	// Webhooks, when set, serves the webhook URLs PutWebhook issues.
	Webhooks WebhookFirer
	// S3, when set, serves every request that is not for the CodePipeline
	// API, the health check, a webhook or a log: the S3 endpoint.
	S3 http.Handler
	// Logs, when set, serves GET /logs/{id}: the logs of local builds.
	Logs http.Handler
	Log  *slog.Logger
}

// New returns the http.Handler of the whole API with its middleware.
func (h *Handler) New() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
	if h.S3 != nil {
		// The API is POST / exactly; S3 has every other path.
		mux.HandleFunc("POST /{$}", h.serveAPI)
		mux.Handle("/", h.S3)
	} else {
		mux.HandleFunc("POST /", h.serveAPI)
	}
	if h.Webhooks != nil {
		mux.HandleFunc("POST /webhooks/{region}/trigger", h.serveWebhook)
	}
	if h.Logs != nil {
		mux.Handle("GET /logs/{id}", h.Logs)
	}
	return withRequestID(withRecover(h.Log)(mux))
}

func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request) {
	model, op, err := h.operation(r)
	if err != nil {
		writeError(w, r, h.Log, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, r, h.Log, err)
		return
	}
	ctx, err := h.authenticate(r, body)
	if err != nil {
		writeError(w, r, h.Log, err)
		return
	}
	out, err := call(ctx, model, op, body)
	if err != nil {
		writeError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(out)
}

// operation finds the operation an X-Amz-Target names: its model entry and
// the service that serves it.
func (h *Handler) operation(r *http.Request) (wire.Operation, Operation, error) {
	target := r.Header.Get(targetHeader)
	name, ok := strings.CutPrefix(target, targetPrefix)
	if !ok || name == "" {
		return wire.Operation{}, nil, core.Errorf(core.UnknownOperation, "Unknown operation %q: X-Amz-Target must be %s<Operation>", target, targetPrefix)
	}
	model, modeled := wire.Operations[name]
	if !modeled {
		return wire.Operation{}, nil, core.Errorf(core.UnknownOperation, "Unknown operation %q", name)
	}
	op, ok := h.Operations[name]
	if !ok {
		return wire.Operation{}, nil, core.Errorf(core.NotImplemented,
			"%s is part of the CodePipeline API but this version of Sluice does not serve it yet", name)
	}
	return model, op, nil
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, core.Errorf(core.Serialization, "Request body is larger than %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return nil, core.Errorf(core.Serialization, "Could not read the request body")
	}
	return body, nil
}

// authenticate verifies the signature and puts the caller's scope in the
// request context.
func (h *Handler) authenticate(r *http.Request, body []byte) (context.Context, error) {
	id, err := h.Verifier.Verify(r.Context(), r, body)
	if err != nil {
		return nil, err
	}
	if id.Service != signingName {
		return nil, core.Errorf(core.InvalidSignature, "Credential should be scoped to correct service: '%s'.", signingName)
	}
	ctx := core.WithScope(r.Context(), core.Scope{Account: id.Account, Region: id.Region})
	ctx = core.WithCaller(ctx, core.Caller{Account: id.Account, AccessKeyID: id.AccessKeyID})
	if wait, ok, err := pollWait(r); err != nil {
		return nil, err
	} else if ok {
		ctx = core.WithPollWait(ctx, wait)
	}
	return ctx, nil
}

// call decodes and validates the input, runs the operation and encodes its
// output.
func call(ctx context.Context, model wire.Operation, op Operation, body []byte) ([]byte, error) {
	in := model.NewInput()
	if err := decode(body, in); err != nil {
		return nil, err
	}
	if err := wire.Validate(in); err != nil {
		return nil, core.Errorf(core.Validation, "%s", err.Error())
	}
	out, err := op(ctx, in)
	if err != nil {
		return nil, err
	}
	if out == nil || model.UnitOutput {
		return []byte("{}"), nil
	}
	return json.Marshal(out)
}

// decode reads a JSON object into in. An empty body is an empty object, as
// the protocol requires; anything that is not one object of the right
// member types is a SerializationException.
func decode(body []byte, in any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	if trimmed[0] != '{' {
		return core.Errorf(core.Serialization, "Request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(in); err != nil {
		return core.Errorf(core.Serialization, "%s", describeDecodeError(err))
	}
	if dec.More() {
		return core.Errorf(core.Serialization, "Request body has data after the JSON object")
	}
	return nil
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	default:
		return "an object"
	}
}

func describeDecodeError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("Value of '%s' has the wrong type: expected %s, got a JSON %s", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("Request body is not valid JSON (at byte %d)", syntaxErr.Offset)
	}
	return "Request body could not be read as the operation's input"
}
