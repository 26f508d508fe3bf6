package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The subset of the Smithy 2.0 JSON AST that the generator reads.

type model struct {
	Smithy string            `json:"smithy"`
	Shapes map[string]*shape `json:"shapes"`
}

type traits map[string]json.RawMessage

func (t traits) has(name string) bool {
	_, ok := t[name]
	return ok
}

type ref struct {
	Target string `json:"target"`
	Traits traits `json:"traits"`
}

type member struct {
	Name string
	ref
}

// memberList keeps the members in the order of the model file: struct fields
// and violations follow that order.
type memberList []member

func (ml *memberList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("members: expected an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, ok := tok.(string)
		if !ok {
			return fmt.Errorf("members: expected a member name")
		}
		var r ref
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ml = append(*ml, member{Name: name, ref: r})
	}
	_, err = dec.Token()
	return err
}

type shape struct {
	Type       string     `json:"type"`
	Members    memberList `json:"members"`
	Member     *ref       `json:"member"`
	Key        *ref       `json:"key"`
	Value      *ref       `json:"value"`
	Input      *ref       `json:"input"`
	Output     *ref       `json:"output"`
	Errors     []ref      `json:"errors"`
	Operations []ref      `json:"operations"`
	Traits     traits     `json:"traits"`
}

const (
	traitRequired = "smithy.api#required"
	traitLength   = "smithy.api#length"
	traitRange    = "smithy.api#range"
	traitPattern  = "smithy.api#pattern"
	traitEnum     = "smithy.api#enum"
	traitEnumVal  = "smithy.api#enumValue"
	traitError    = "smithy.api#error"
	traitSparse   = "smithy.api#sparse"
	unitShape     = "smithy.api#Unit"
)

func parseModel(b []byte) (*model, error) {
	var m model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse model: %w", err)
	}
	if !strings.HasPrefix(m.Smithy, "2.") {
		return nil, fmt.Errorf("parse model: want a Smithy 2.x JSON AST, got smithy=%q", m.Smithy)
	}
	if len(m.Shapes) == 0 {
		return nil, fmt.Errorf("parse model: no shapes")
	}
	return &m, nil
}

// shapeName is the part of a shape id after '#'.
func shapeName(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// preludeTypes maps the simple prelude shapes to their Smithy type.
var preludeTypes = map[string]string{
	"smithy.api#String":           "string",
	"smithy.api#Boolean":          "boolean",
	"smithy.api#PrimitiveBoolean": "boolean",
	"smithy.api#Integer":          "integer",
	"smithy.api#PrimitiveInteger": "integer",
	"smithy.api#Long":             "long",
	"smithy.api#PrimitiveLong":    "long",
	"smithy.api#Double":           "double",
	"smithy.api#PrimitiveDouble":  "double",
	"smithy.api#Float":            "float",
	"smithy.api#PrimitiveFloat":   "float",
	"smithy.api#Timestamp":        "timestamp",
	"smithy.api#Blob":             "blob",
	"smithy.api#Document":         "document",
}

// lengthTrait is @length; either bound may be absent.
type lengthTrait struct {
	Min *int64 `json:"min"`
	Max *int64 `json:"max"`
}

// rangeTrait is @range; bounds keep the model's number text.
type rangeTrait struct {
	Min *json.Number `json:"min"`
	Max *json.Number `json:"max"`
}

type legacyEnumValue struct {
	Value string `json:"value"`
	Name  string `json:"name"`
}

func decodeTrait(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
