package core

import "time"

// Pipeline is one stored version of a pipeline declaration. The declaration
// is kept as the JSON document the API accepted (secrets in clear), so the
// store never needs to understand its shape.
type Pipeline struct {
	Scope         Scope
	Name          string
	Version       int
	PipelineType  string
	ExecutionMode string
	Declaration   []byte
	// Created is when the pipeline's first version was stored; Updated is
	// when this version was stored.
	Created time.Time
	Updated time.Time
}

// ARN returns the pipeline's ARN.
func (p *Pipeline) ARN() string { return p.Scope.ARN(p.Name) }

// ActionTypeID identifies an action type within a scope.
type ActionTypeID struct {
	Category string
	Owner    string
	Provider string
	Version  string
}

// ARN returns the ARN of a custom action type with this id.
func (id ActionTypeID) ARN(s Scope) string {
	return s.ARN("actiontype:" + id.Owner + "/" + id.Category + "/" + id.Provider + "/" + id.Version)
}

// ActionType is a custom action type. Deleted types stay stored because a
// deleted (category, provider, version) can never be created again.
type ActionType struct {
	Scope      Scope
	ID         ActionTypeID
	Definition []byte
	Deleted    bool
	Created    time.Time
	Updated    time.Time
}

// Webhook is a stored webhook definition and what is known of its firing.
type Webhook struct {
	Scope         Scope
	Name          string
	Definition    []byte
	URL           string
	Registered    bool
	LastTriggered time.Time // zero until it fires
	ErrorCode     string
	ErrorMessage  string
	Created       time.Time
}

// ARN returns the webhook's ARN.
func (w *Webhook) ARN() string { return w.Scope.ARN("webhook:" + w.Name) }
