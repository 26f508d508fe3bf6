package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// emitOperations writes the operation table.
func (g *generator) emitOperations() string {
	var buf bytes.Buffer
	header(g, &buf)
	fmt.Fprintf(&buf, "// Operations are the %d operations of the %s model, by name.\n", len(g.ops), g.service)
	buf.WriteString("var Operations = map[string]Operation{\n")
	for _, id := range g.ops {
		s := g.m.Shapes[id]
		name := shapeName(id)
		if s.Input == nil {
			continue // reported by collect
		}
		errs := make([]string, 0, len(s.Errors))
		for _, e := range s.Errors {
			if es, ok := g.m.Shapes[e.Target]; !ok || !es.Traits.has(traitError) {
				g.errorf("operation %s: error %s is not an error shape", name, e.Target)
			}
			errs = append(errs, strconv.Quote(shapeName(e.Target)))
		}
		unit := s.Output == nil || s.Output.Target == unitShape
		fmt.Fprintf(&buf, "%s: {\n", strconv.Quote(name))
		fmt.Fprintf(&buf, "Name: %s,\n", strconv.Quote(name))
		fmt.Fprintf(&buf, "NewInput: func() Validatable { return new(%s) },\n", shapeName(s.Input.Target))
		if unit {
			buf.WriteString("UnitOutput: true,\n")
		}
		fmt.Fprintf(&buf, "Errors: []string{%s},\n", strings.Join(errs, ", "))
		buf.WriteString("},\n")
	}
	buf.WriteString("}\n")
	return buf.String()
}
