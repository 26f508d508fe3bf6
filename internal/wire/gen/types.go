package main

import (
	"bytes"
	"fmt"
	"strings"
)

// emitTypes writes one Go type per structure, union and enum shape.
func (g *generator) emitTypes() string {
	var body bytes.Buffer
	usesJSON := false
	for _, id := range g.typeIDs {
		name := shapeName(id)
		switch g.kind(id) {
		case "structure", "union":
			g.claim(name, "shape "+id)
			if g.emitStruct(&body, id, name) {
				usesJSON = true
			}
		case "enum":
			g.claim(name, "shape "+id)
			g.emitEnum(&body, id, name)
		}
	}
	var buf bytes.Buffer
	header(g, &buf)
	if usesJSON {
		buf.WriteString("import \"encoding/json\"\n\n")
	}
	buf.Write(body.Bytes())
	return buf.String()
}

func (g *generator) emitStruct(buf *bytes.Buffer, id, name string) (usesJSON bool) {
	s := g.m.Shapes[id]
	what := "a structure"
	if s.Type == "union" {
		what = "a union"
	}
	if role, ok := g.roles[id]; ok {
		what = role
	}
	fmt.Fprintf(buf, "// %s is %s of the %s model.\n", name, what, g.service)
	fmt.Fprintf(buf, "type %s struct {\n", name)
	fields := map[string]string{}
	for _, mb := range s.Members {
		field := exportName(mb.Name)
		if !isIdent(field) {
			g.errorf("shape %s: member %q is not a Go identifier", id, mb.Name)
			continue
		}
		if prev, ok := fields[field]; ok {
			g.errorf("shape %s: members %s and %s both map to field %s", id, prev, mb.Name, field)
		}
		fields[field] = mb.Name
		typ := g.goType(mb.Target, true)
		if typ == "json.RawMessage" {
			usesJSON = true
		}
		// omitzero keeps an empty list or map that is set (it marshals as []
		// or {}), and drops an absent one (nil); for pointers and enum
		// strings it is the same as omitempty.
		omit := "omitempty"
		if strings.HasPrefix(typ, "[]") || strings.HasPrefix(typ, "map[") {
			omit = "omitzero"
		}
		fmt.Fprintf(buf, "\t%s %s `json:\"%s,%s\"`\n", field, typ, mb.Name, omit)
	}
	buf.WriteString("}\n\n")
	return usesJSON
}

func (g *generator) emitEnum(buf *bytes.Buffer, id, name string) {
	names, values := g.enumValues(id)
	fmt.Fprintf(buf, "// %s is an enum of the %s model.\n", name, g.service)
	fmt.Fprintf(buf, "type %s string\n\n", name)
	fmt.Fprintf(buf, "// The values of %s.\n", name)
	buf.WriteString("const (\n")
	for i, n := range names {
		c := name + n
		if !isIdent(c) {
			g.errorf("shape %s: enum member %q does not make a Go identifier", id, n)
			continue
		}
		g.claim(c, "enum value "+id+"$"+n)
		fmt.Fprintf(buf, "\t%s %s = %s\n", c, name, goString(values[i]))
	}
	buf.WriteString(")\n\n")
	fmt.Fprintf(buf, "// Values returns the values of %s in model order.\n", name)
	fmt.Fprintf(buf, "func (%s) Values() []%s {\n\treturn []%s{\n", name, name, name)
	for _, n := range names {
		fmt.Fprintf(buf, "\t\t%s,\n", name+n)
	}
	buf.WriteString("\t}\n}\n\n")
}
