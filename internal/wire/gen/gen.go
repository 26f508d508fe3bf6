package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// reserved are the identifiers of the hand-written files of package wire; no
// generated identifier may take one of them.
var reserved = map[string]bool{
	"Time": true, "NewTime": true, "Ptr": true, "Value": true,
	"Validate": true, "Validatable": true, "ValidationError": true, "Violation": true,
	"Operation": true, "Operations": true,
}

type generator struct {
	m       *model
	source  string // base name of the model file, for the header
	service string // sdkId of the service, for comments

	ops      []string        // operation shape ids, sorted by name
	typeIDs  []string        // structure, union and enum ids to emit, sorted by name
	inputIDs map[string]bool // every shape reachable from an operation input
	roles    map[string]string

	structNeed map[string]int // 1 in progress, 2 no, 3 yes
	checks     map[string]*checkFunc
	patterns   map[string]*patternVar // by Go regexp source
	idents     map[string]string      // Go identifier -> what defined it

	errs []string
}

type checkFunc struct {
	name string
	key  string // what it checks; two different keys may not share a name
	body string // empty: nothing to check
}

type patternVar struct {
	name    string
	source  string // Go regexp source, anchored
	model   string // pattern as written in the model
	display string // pattern as shown in messages
	users   []string
}

func (g *generator) errorf(format string, args ...any) {
	g.errs = append(g.errs, fmt.Sprintf(format, args...))
}

func (g *generator) claim(ident, what string) {
	if reserved[ident] {
		g.errorf("%s: Go identifier %s is taken by a hand-written declaration", what, ident)
		return
	}
	if prev, ok := g.idents[ident]; ok && prev != what {
		g.errorf("Go identifier %s is wanted by both %s and %s", ident, prev, what)
		return
	}
	g.idents[ident] = what
}

// generate turns the model into the generated files, keyed by file name.
func generate(src []byte, source string) (map[string][]byte, error) {
	m, err := parseModel(src)
	if err != nil {
		return nil, err
	}
	g := &generator{
		m:          m,
		source:     source,
		service:    "service",
		inputIDs:   map[string]bool{},
		roles:      map[string]string{},
		structNeed: map[string]int{},
		checks:     map[string]*checkFunc{},
		patterns:   map[string]*patternVar{},
		idents:     map[string]string{},
	}
	g.collect()
	g.checkAllPatterns()
	if len(g.errs) > 0 {
		return nil, g.failure()
	}
	files := map[string][]byte{}
	for name, emit := range map[string]func() string{
		"types_gen.go":      g.emitTypes,
		"validate_gen.go":   g.emitValidate,
		"operations_gen.go": g.emitOperations,
	} {
		code := emit()
		if len(g.errs) > 0 {
			continue
		}
		out, err := format.Source([]byte(code))
		if err != nil {
			return nil, fmt.Errorf("gofmt %s: %w\n%s", name, err, code)
		}
		files[name] = out
	}
	if len(g.errs) > 0 {
		return nil, g.failure()
	}
	return files, nil
}

func (g *generator) failure() error {
	errs := append([]string(nil), g.errs...)
	sort.Strings(errs)
	errs = dedupe(errs)
	return fmt.Errorf("%d problem(s) with the model:\n  %s", len(errs), strings.Join(errs, "\n  "))
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// collect finds the operations and every shape reachable from their inputs
// and outputs.
func (g *generator) collect() {
	var svcIDs []string
	for id, s := range g.m.Shapes {
		switch s.Type {
		case "operation":
			g.ops = append(g.ops, id)
		case "service":
			svcIDs = append(svcIDs, id)
		}
	}
	sort.Slice(g.ops, func(i, j int) bool { return shapeName(g.ops[i]) < shapeName(g.ops[j]) })
	if len(svcIDs) == 1 {
		var svc struct {
			SdkID string `json:"sdkId"`
		}
		if raw, ok := g.m.Shapes[svcIDs[0]].Traits["aws.api#service"]; ok && json.Unmarshal(raw, &svc) == nil && svc.SdkID != "" {
			g.service = svc.SdkID
		}
	}

	types := map[string]bool{}
	all := map[string]bool{}
	for _, op := range g.ops {
		s := g.m.Shapes[op]
		name := shapeName(op)
		g.claim(name, "operation "+name)
		if s.Input == nil || s.Input.Target == unitShape {
			g.errorf("operation %s: Unit or missing input is not supported", name)
			continue
		}
		if g.kind(s.Input.Target) != "structure" {
			g.errorf("operation %s: input %s is not a structure", name, s.Input.Target)
			continue
		}
		g.roles[s.Input.Target] = "the input of the " + name + " operation"
		g.walk(s.Input.Target, g.inputIDs)
		g.walk(s.Input.Target, all)
		if s.Output != nil && s.Output.Target != unitShape {
			g.roles[s.Output.Target] = "the output of the " + name + " operation"
			g.walk(s.Output.Target, all)
		}
	}
	for id := range all {
		switch g.kind(id) {
		case "structure", "union", "enum":
			if g.m.Shapes[id].Traits.has(traitError) {
				continue
			}
			types[id] = true
		}
	}
	for id := range types {
		g.typeIDs = append(g.typeIDs, id)
	}
	sort.Slice(g.typeIDs, func(i, j int) bool { return shapeName(g.typeIDs[i]) < shapeName(g.typeIDs[j]) })
	for i := 1; i < len(g.typeIDs); i++ {
		if shapeName(g.typeIDs[i]) == shapeName(g.typeIDs[i-1]) {
			g.errorf("shapes %s and %s have the same name", g.typeIDs[i-1], g.typeIDs[i])
		}
	}
}

func (g *generator) walk(id string, seen map[string]bool) {
	if seen[id] {
		return
	}
	seen[id] = true
	s, ok := g.m.Shapes[id]
	if !ok {
		g.kind(id) // reports unknown ids
		return
	}
	switch s.Type {
	case "structure", "union":
		for _, mb := range s.Members {
			g.walk(mb.Target, seen)
		}
	case "list", "set":
		if s.Member != nil {
			g.walk(s.Member.Target, seen)
		}
	case "map":
		if s.Key != nil {
			g.walk(s.Key.Target, seen)
		}
		if s.Value != nil {
			g.walk(s.Value.Target, seen)
		}
	}
}

// kind is the Smithy type of a shape, with "enum" also for strings carrying
// the legacy @enum trait.
func (g *generator) kind(id string) string {
	if t, ok := preludeTypes[id]; ok {
		return t
	}
	if id == unitShape {
		return "unit"
	}
	s, ok := g.m.Shapes[id]
	if !ok {
		g.errorf("unknown shape %s", id)
		return "unknown"
	}
	if s.Type == "string" && s.Traits.has(traitEnum) {
		return "enum"
	}
	return s.Type
}

func (g *generator) shapeTraits(id string) traits {
	if s, ok := g.m.Shapes[id]; ok {
		return s.Traits
	}
	return nil
}

// goType is the Go type of a value of the shape. Member fields use pointers
// for scalars and structures; elements of lists and maps use values.
func (g *generator) goType(id string, field bool) string {
	ptr := ""
	if field {
		ptr = "*"
	}
	switch k := g.kind(id); k {
	case "string":
		return ptr + "string"
	case "enum", "intEnum":
		if k == "intEnum" {
			g.errorf("shape %s: intEnum is not supported", id)
		}
		return shapeName(id)
	case "integer":
		return ptr + "int32"
	case "long":
		return ptr + "int64"
	case "boolean":
		return ptr + "bool"
	case "double", "float":
		return ptr + "float64"
	case "timestamp":
		return ptr + "Time"
	case "blob":
		return "[]byte"
	case "document":
		return "json.RawMessage"
	case "structure", "union":
		return ptr + shapeName(id)
	case "list", "set":
		s := g.m.Shapes[id]
		if s.Traits.has(traitSparse) {
			g.errorf("shape %s: sparse lists are not supported", id)
		}
		if s.Member == nil {
			g.errorf("shape %s: list without member", id)
			return "[]any"
		}
		return "[]" + g.goType(s.Member.Target, false)
	case "map":
		s := g.m.Shapes[id]
		if s.Traits.has(traitSparse) {
			g.errorf("shape %s: sparse maps are not supported", id)
		}
		if s.Key == nil || s.Value == nil {
			g.errorf("shape %s: map without key or value", id)
			return "map[string]any"
		}
		if kk := g.kind(s.Key.Target); kk != "string" && kk != "enum" {
			g.errorf("shape %s: map key must be a string, not %s", id, kk)
		}
		return "map[string]" + g.goType(s.Value.Target, false)
	default:
		g.errorf("shape %s: type %s is not supported", id, k)
		return "any"
	}
}

// exportName upper-cases the first letter of a member name, nothing else.
func exportName(name string) string {
	if name == "" {
		return name
	}
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// isIdent reports whether s is a valid Go identifier (used for const names).
func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return s != ""
}

// enumValues returns the names and values of an enum shape in model order.
func (g *generator) enumValues(id string) (names, values []string) {
	s := g.m.Shapes[id]
	if s.Type == "enum" {
		for _, mb := range s.Members {
			var v string
			raw, ok := mb.Traits[traitEnumVal]
			if !ok || json.Unmarshal(raw, &v) != nil {
				v = mb.Name
			}
			names = append(names, mb.Name)
			values = append(values, v)
		}
		return names, values
	}
	var legacy []legacyEnumValue
	if err := json.Unmarshal(s.Traits[traitEnum], &legacy); err != nil {
		g.errorf("shape %s: bad @enum trait: %v", id, err)
		return nil, nil
	}
	for _, e := range legacy {
		n := e.Name
		if n == "" {
			n = strings.Map(func(r rune) rune {
				if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
					return r
				}
				return '_'
			}, e.Value)
		}
		names = append(names, n)
		values = append(values, e.Value)
	}
	return names, values
}

// goString renders s as a Go string literal, raw when that reads better.
func goString(s string) string {
	if strings.ContainsAny(s, "\\") && !strings.ContainsAny(s, "`\r\n") && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

func header(g *generator, buf *bytes.Buffer) {
	fmt.Fprintf(buf, "// Code generated by internal/wire/gen from %s. DO NOT EDIT.\n\n", g.source)
	buf.WriteString("package wire\n\n")
}
